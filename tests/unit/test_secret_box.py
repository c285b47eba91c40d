import pytest

from usersvc.secret_box import SecretBox, SecretBoxError

KEY = "k" * 40


def test_a_sealed_value_opens_with_the_same_key_and_purpose_only():
    sealed = SecretBox(KEY, purpose="mfa").seal(b"JBSWY3DPEHPK3PXP")
    assert b"JBSWY3DPEHPK3PXP" not in sealed.encode()
    assert SecretBox(KEY, purpose="mfa").open(sealed) == b"JBSWY3DPEHPK3PXP"
    with pytest.raises(SecretBoxError):
        SecretBox(KEY, purpose="signing-keys").open(sealed)
    with pytest.raises(SecretBoxError):
        SecretBox("x" * 40, purpose="mfa").open(sealed)
