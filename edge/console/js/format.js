// Values as people read them.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function when(iso) {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

export function fullName(user) {
  return `${user.first_name} ${user.last_name}`;
}

export function shortId(id) {
  return id ? String(id).slice(0, 8) : '—';
}

export function shown(value) {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
