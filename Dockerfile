FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# Pango and a font for WeasyPrint's PDFs (minutes, subject-access releases).
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY storage ./storage
COPY security ./security
COPY projections ./projections
COPY audit ./audit
COPY feeds ./feeds
COPY notifications ./notifications
COPY services ./services
COPY api ./api
COPY web ./web
COPY bench ./bench
RUN pip install --no-cache-dir . && useradd --system --uid 10001 marac \
    && mkdir -p /var/lib/marac/ledger /var/lib/marac/checkpoints /var/lib/marac-witness \
    && chown -R marac /var/lib/marac /var/lib/marac-witness
# The directories exist, owned by `marac`, so that named volumes mounted there start writable
# by it (Docker copies the image directory's ownership into a new volume).
USER marac
EXPOSE 8000
CMD ["marac", "serve", "--host", "0.0.0.0", "--port", "8000"]
