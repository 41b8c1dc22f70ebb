() => {
  function num(el, re) { for (const c of el.classList) { const m = c.match(re); if (m) return m; } return null; }
  function select(turn, n) {
    document.querySelectorAll('.src-group').forEach(g =>
      g.classList.toggle('active', g.dataset.turn === turn));
    document.querySelectorAll('#chat .answer').forEach(a => {
      const m = num(a, /^turn-(\d+)$/);
      a.classList.toggle('selected', !!m && m[1] === turn);
    });
    document.querySelectorAll('.source-card.selected').forEach(c => c.classList.remove('selected'));
    if (n) {
      const anchor = document.getElementById('src-' + turn + '-' + n);
      const card = anchor && anchor.closest('.source-card');
      if (card) { card.classList.add('selected'); card.scrollIntoView({block: 'nearest', behavior: 'smooth'}); }
    }
  }
  function handle(ev) {
    const t = ev.target instanceof Element ? ev.target : null;
    if (!t) return;
    const b = t.closest('.cite-badge');
    const a = t.closest('#chat .answer');
    const bm = b && num(b, /^cite-(\d+)-(\d+)$/);
    const am = a && num(a, /^turn-(\d+)$/);
    if (bm) { ev.preventDefault(); ev.stopPropagation(); select(bm[1], bm[2]); }
    else if (am) { select(am[1], null); }
  }
  // An article link (a source card's, a search result's, a Corpus row's) opens the article viewer inside the app:
  // a panel over the page showing /api/view/... (scrolled to the cited span, the answer's other spans marked).
  // The page it shows is our own escaped HTML with no script, framed with scripts forbidden all the same.
  function closeViewer() {
    const box = document.getElementById('viewer-modal');
    if (box) { box.classList.remove('open'); box.querySelector('iframe').src = 'about:blank'; }
  }
  function openViewer(url, label) {
    let box = document.getElementById('viewer-modal');
    if (!box) {
      box = document.createElement('div');
      box.id = 'viewer-modal';
      box.innerHTML = '<div class="viewer-panel" role="dialog" aria-label="article"><div class="viewer-head">' +
        '<span class="viewer-label"></span><a class="viewer-tab" target="_blank" rel="noopener noreferrer">' +
        'open in a new tab ↗</a><button class="viewer-close" title="close (Esc)">✕</button></div>' +
        '<iframe sandbox="allow-same-origin" title="article"></iframe></div>';
      document.body.appendChild(box);
      box.addEventListener('click', e => {
        if (e.target === box || e.target.closest('.viewer-close')) closeViewer();
      });
    }
    box.querySelector('.viewer-label').textContent = label || '';
    box.querySelector('.viewer-tab').href = url;
    box.querySelector('iframe').src = url;
    box.classList.add('open');
  }
  document.addEventListener('click', ev => {
    const t = ev.target instanceof Element ? ev.target : null;
    const link = t && t.closest('a.open-article, #docs a[href*="/api/view/"]');
    if (!link || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;  // a modifier: the browser's own new tab
    ev.preventDefault(); ev.stopPropagation();
    const holder = link.closest('.source-card, .search-hit, tr');
    const title = holder && holder.querySelector('.card-title, .hit-title, td');
    openViewer(link.getAttribute('href'), title ? title.innerText.trim() : '');
  }, true);
  document.addEventListener('keydown', ev => { if (ev.key === 'Escape') closeViewer(); }, true);
  // A suggested follow-up, clicked (or Enter on it), is asked as if typed.
  function askFollowUp(ev) {
    const t = ev.target instanceof Element ? ev.target.closest('#chat .follow-up') : null;
    if (!t || (ev.type === 'keydown' && ev.key !== 'Enter')) return;
    ev.preventDefault(); ev.stopPropagation();
    const box = document.querySelector('#question textarea');
    if (!box) return;
    box.value = t.innerText.trim();
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => document.querySelector('#ask').click(), 50);
  }
  document.addEventListener('click', askFollowUp, true);
  document.addEventListener('keydown', askFollowUp, true);
  document.addEventListener('click', handle, true);
  document.addEventListener('keydown', ev => { if (ev.key === 'Enter') handle(ev); }, true);
  // Up-arrow in an empty question box brings the last question back, as in a shell.
  document.addEventListener('keydown', ev => {
    const box = ev.target instanceof Element ? ev.target.closest('#question textarea') : null;
    if (!box || ev.key !== 'ArrowUp' || box.value !== '') return;
    const asked = document.querySelectorAll('#chat .question');
    if (!asked.length) return;
    ev.preventDefault();
    box.value = asked[asked.length - 1].innerText.trim();
    box.dispatchEvent(new Event('input', {bubbles: true}));
    box.setSelectionRange(box.value.length, box.value.length);
  }, true);
}
