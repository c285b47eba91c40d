// The state of a page that shows and edits one user: the user and the ETag it came with.
// Every section that changes the user goes through it (user_changes.js); `render` draws the
// page again after each change.
import { announce, h } from '../dom.js';
import { request } from '../session.js';

export function userPage({ id, me, notices, render }) {
  const page = {
    id,
    me,
    notices,
    user: null,
    etag: null,
    show(user, etag) {
      page.user = user;
      page.etag = etag;
      notices.replaceChildren();
      render(page);
    },
    async reload() {
      const { data, etag } = await request('GET', `/v1/users/${page.id}`);
      page.show(data, etag);
    },
    notify(text) {
      notices.replaceChildren(h('p', { class: 'notice ok' }, text));
      announce(text);  // the live region says it; the notice shows it
    },
  };
  return page;
}
