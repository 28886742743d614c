// Enhancement only: on the referral form's DASH page, the score and the criteria it meets follow
// the answers as they are given. Without this script, "Update score" keeps the answers and shows
// them (web/referrals.py). The score is the server's, by the area's settings: the answers are
// posted to /referrals/new/risk/score, which keeps nothing, and its answer replaces the score.
const form = document.querySelector('form[data-module="app-referral-score"]')
const live = document.getElementById('score-live')

if (form && live) {
  let asked = 0
  form.addEventListener('change', async (event) => {
    if (!(event.target instanceof HTMLInputElement) || event.target.type !== 'radio') return
    const mine = ++asked
    try {
      const response = await fetch('/referrals/new/risk/score', {
        method: 'POST',
        body: new URLSearchParams(new FormData(form)),
        credentials: 'same-origin'
      })
      // Only the latest answer is shown: an earlier one arriving late would show an old score.
      if (response.ok && mine === asked) {
        live.innerHTML = await response.text()
      }
    } catch {
      // Offline or refused: the score stays as it was, and "Update score" still works.
    }
  })
}
