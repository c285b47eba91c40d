// A list of work done one request per item, a few at a time, with a progress bar and a
// report of each failure (its message and request id) at the end.
import { h } from '../dom.js';
import { errorBox } from '../errors.js';

const AT_ONCE = 4;

export async function runWithProgress({ host, title, items, describe, work }) {
  const bar = h('progress', { max: items.length, value: 0, 'aria-label': title });
  const counter = h('span', { class: 'progress-count' }, `0 of ${items.length}`);
  const failures = h('ul', { class: 'failures' });
  const panel = h('section', { class: 'progress-panel', 'aria-live': 'polite', 'aria-busy': 'true' },
    h('h2', {}, title), h('div', { class: 'progress-row' }, bar, counter), failures);
  host.replaceChildren(panel);
  let done = 0;
  let failed = 0;
  const queue = [...items];
  async function worker() {
    while (queue.length) {
      const item = queue.shift();
      try {
        await work(item);
      } catch (error) {
        failed += 1;
        failures.append(h('li', {}, h('strong', {}, describe(item)), errorBox(error)));
      }
      done += 1;
      bar.value = done;
      counter.textContent = `${done} of ${items.length}`;
    }
  }
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, items.length) }, worker));
  panel.removeAttribute('aria-busy');
  panel.querySelector('h2').after(h('p', { class: failed ? 'notice warn' : 'notice ok', role: 'status' },
    failed ? `${done - failed} done, ${failed} failed.` : `All ${done} done.`));
  panel.append(h('button', { type: 'button', class: 'link', onclick: () => panel.remove() }, 'Close'));
  return { done, failed };
}
