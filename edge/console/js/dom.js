// Building DOM nodes. Values always go in as text nodes or attributes, never as HTML, so
// nothing a user typed into a profile can turn into markup or script.

export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      node.className = value;
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  node.append(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

// replaceChildren, leaving out the nulls that optional parts of a view evaluate to.
export function fill(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

export function field({ label, name, type = 'text', value = '', hint = null, ...attributes }) {
  const id = `field-${name}-${Math.random().toString(36).slice(2, 8)}`;
  const hintId = hint ? `${id}-hint` : null;
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, name, type, value: value ?? '', 'aria-describedby': hintId, ...attributes }),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null);
}

export function selectField({ label, name, options, value = '', ...attributes }) {
  const id = `field-${name}-${Math.random().toString(36).slice(2, 8)}`;
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('select', { id, name, ...attributes },
      options.map(([optionValue, text]) => h('option', { value: optionValue, selected: optionValue === value }, text))));
}

// Runs `work` with `region` marked busy (and its buttons disabled), whatever the outcome.
export async function whileBusy(region, work) {
  const buttons = [...region.querySelectorAll('button:not([disabled])')];
  region.setAttribute('aria-busy', 'true');
  for (const button of buttons) button.disabled = true;
  try {
    return await work();
  } finally {
    region.removeAttribute('aria-busy');
    for (const button of buttons) button.disabled = false;
  }
}

export function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', 'aria-busy': 'true' }, text);
}

export function badge(text, kind = '') {
  return h('span', { class: `badge ${kind}`.trim() }, text);
}

export function announce(text) {
  const announcer = document.getElementById('announcer');
  announcer.textContent = '';
  // A fresh text node after a tick is what screen readers reliably pick up.
  setTimeout(() => { announcer.textContent = text; }, 50);
}

// A modal question with the native <dialog>: focus is trapped and Escape cancels.
export function confirmDialog({ title, body, confirm, danger = false }) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'dialog-title' },
      h('h2', { id: 'dialog-title' }, title),
      h('p', {}, body),
      h('div', { class: 'actions' },
        h('button', { type: 'button', value: 'cancel', onclick: () => dialog.close('cancel') }, 'Cancel'),
        h('button', { type: 'button', class: danger ? 'danger' : 'primary', onclick: () => dialog.close('confirm') },
          confirm)));
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'confirm');
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector('button').focus();
  });
}

// A loader for `region` whose answers may come back out of order: only the latest call's
// answer is shown (`show`), or its failure (`fail`); the region is busy meanwhile.
export function latestOnly(region, { fetch, show, fail }) {
  let latest = 0;
  return async function load() {
    const ticket = ++latest;
    region.setAttribute('aria-busy', 'true');
    try {
      const answer = await fetch();
      if (ticket === latest) show(answer);
    } catch (error) {
      if (ticket === latest) fail(error);
    } finally {
      if (ticket === latest) region.removeAttribute('aria-busy');
    }
  };
}
