// What the console offers, derived from the caller's role in GET /v1/auth/me. It mirrors the
// API's rules (docs/api.md) so nobody is shown a button that can only fail; the API still
// decides every request on its own.

export const isAdmin = (me) => me.role === 'admin';
export const isStaff = (me) => me.role === 'admin' || me.role === 'moderator';

export function allowedOn(me, target) {
  const self = me.id === target.id;
  const overseesTarget = isAdmin(me) || (me.role === 'moderator' && target.role === 'user');
  return {
    editProfile: self || overseesTarget,
    // Username and email: never a moderator's to change (a new address takes the account).
    editIdentity: self || isAdmin(me),
    // One's own new email needs the current password in the same request.
    reauthenticateEmail: self,
    changeRole: isAdmin(me) && !self,
    changeActive: !self && overseesTarget,
    remove: isAdmin(me) && !self,
    resetMfa: isAdmin(me) && !self && target.mfa_enabled === true,
    readAudit: isAdmin(me),
    // GET and DELETE /v1/users/{id}/sessions: admins, moderators for plain users; one's own
    // through /v1/auth/sessions. Revoking one of someone else's sessions is an admin's.
    seeSessions: self || overseesTarget,
    revokeSessions: isAdmin(me),
  };
}
