// Accessibility the pages get without each doing it: header cells say what they head, and a table
// that scrolls sideways (on a phone) can be reached and scrolled with the keyboard. Done once here
// for every page, including pages added later, rather than in each page's markup.

const SCROLLERS = '.table-scroll, .content .table:not(.table-scroll .table)';

function fixTables(root: HTMLElement) {
  for (const th of root.querySelectorAll('thead th:not([scope])')) th.setAttribute('scope', 'col');
  for (const th of root.querySelectorAll('tbody th:not([scope])')) th.setAttribute('scope', 'row');
  for (const el of root.querySelectorAll<HTMLElement>(SCROLLERS)) {
    const scrolls = el.scrollWidth > el.clientWidth + 1;
    if (scrolls && !el.hasAttribute('tabindex')) {
      el.setAttribute('tabindex', '0');
      el.dataset.scrollFocus = '';
    } else if (!scrolls && el.dataset.scrollFocus !== undefined) {
      el.removeAttribute('tabindex');
      delete el.dataset.scrollFocus;
    }
  }
}

export function installTableAccessibility(root: HTMLElement) {
  let pending = false;
  const schedule = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      fixTables(root);
    });
  };
  new MutationObserver(schedule).observe(root, { childList: true, subtree: true });
  window.addEventListener('resize', schedule);
}
