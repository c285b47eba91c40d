// How a failed request is shown: the API's own message, its code and request id (what an
// operator quotes when asking for help), and each invalid field next to its input.
import { h } from './dom.js';

export function errorBox(error) {
  const retry = error.retryAfter ? ` Try again in ${error.retryAfter} s.` : '';
  return h('div', { class: 'error', role: 'alert' },
    h('p', { class: 'error-message' }, `${error.message}${retry}`),
    error.details && error.details.length
      ? h('ul', {}, error.details.map((detail) => h('li', {}, detail.field ? `${detail.field}: ${detail.message}` : detail.message)))
      : null,
    h('p', { class: 'error-meta' },
      h('span', { class: 'error-code' }, error.code),
      error.requestId ? [' · request id ', h('code', { class: 'request-id' }, error.requestId)] : null));
}

export function showError(slot, error, form = null) {
  slot.replaceChildren(errorBox(error));
  if (form) markFields(form, error);
}

export function clearErrors(slot, form = null) {
  slot.replaceChildren();
  if (!form) return;
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  for (const message of form.querySelectorAll('.field-error')) message.remove();
}

function markFields(form, error) {
  for (const detail of error.details || []) {
    const input = detail.field && form.elements.namedItem(detail.field);
    if (!input || !input.setAttribute) continue;
    input.setAttribute('aria-invalid', 'true');
    const id = `${input.id}-error`;
    input.after(h('p', { class: 'field-error', id }, detail.message));
    input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
  }
}
