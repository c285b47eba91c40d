"""Usernames and email addresses in the one form they are stored, compared and looked up in.

Two identifiers a person would read as the same must not name two accounts: `ａｄｍｉｎ`
(full-width), `ADMIN` and `admin` are one username; `Admin@Example.com`,
`ａｄｍｉｎ@example.com` and `admin@ＥＸＡＭＰＬＥ.com` one address, and so are
`user@bücher.example` and `user@xn--bcher-kva.example`. Compatibility normalisation (NFKC)
and case folding turn such variants into one string; IDNA (UTS #46, by email-validator)
does it for domains. Letters of another script that merely look Latin (Cyrillic `а` in
`аdmin`) survive both, so a local part or domain label that mixes Latin with one of the
scripts that imitate it is refused outright; one written wholly in another script is a
different name and stays allowed (SECURITY.md, "Look-alike identifiers").
"""

import unicodedata

from email_validator import EmailNotValidError, validate_email

# Scripts whose letters pass for Latin ones (UTS #39's confusables are mostly among these).
LOOKALIKE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC"})
MAX_EMAIL_LENGTH = 254


def fold(text: str) -> str:
    """NFKC, case folded, NFKC again: Unicode's NFKC_Casefold but for ignorable characters."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def mixes_lookalike_scripts(text: str) -> bool:
    """True when the letters come from two or more scripts of LOOKALIKE_SCRIPTS."""
    scripts = {unicodedata.name(char, "").partition(" ")[0] for char in text if char.isalpha()}
    return len(scripts & LOOKALIKE_SCRIPTS) > 1


def username_form(value: object) -> object:
    """A username as stored: NFKC (full-width and other compatibility forms become the plain
    letters the field's ASCII rule then checks), case kept. Non-strings pass to the type check."""
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


def email_form(value: str) -> str:
    """An address as stored and compared: local part folded, domain by IDNA in its Unicode
    form, lower-cased. ValueError names what is wrong with it."""
    try:
        valid = validate_email(unicodedata.normalize("NFKC", value), check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError(f"not a valid email address: {error}") from None
    # lower() too: folding leaves a few scripts' letters in capitals (Cherokee), and the
    # database holds emails to lower(email).
    local = fold(valid.local_part).lower()
    if mixes_lookalike_scripts(local) or any(mixes_lookalike_scripts(label) for label in valid.domain.split(".")):
        raise ValueError("not a valid email address: it mixes Latin letters with look-alikes from another script")
    address = f"{local}@{valid.domain.lower()}"
    if len(address) > MAX_EMAIL_LENGTH:  # NFKC can lengthen (`ﬃ` is three letters)
        raise ValueError(f"not a valid email address: longer than {MAX_EMAIL_LENGTH} characters once normalised")
    return address


def login_email(value: str) -> str:
    """The address a login names, in stored form; one that is not valid cannot match any
    account and is only trimmed and folded (the login still answers as for an unknown user)."""
    try:
        return email_form(value)
    except ValueError:
        return fold(value.strip())
