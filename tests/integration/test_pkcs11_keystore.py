"""The PKCS#11 key store on a real token (SoftHSM2): keys made inside the token, never
extractable, signing through it; clear refusals for a wrong PIN, a missing token, SM2."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.serialization import load_der_public_key

from openseal.adapters.keys.routing import RoutingKeyStore
from openseal.adapters.keys.software import SoftwareKeyStore
from openseal.bootstrap import load_pkcs11_pin
from openseal.config import Settings
from openseal.errors import Conflict, InvalidInput, NotFound, Unavailable
from tests.support.softhsm import LIBRARY, PIN, SoftHsm, fresh_token

pytestmark = pytest.mark.tools  # SoftHSM2


@pytest.fixture()
def token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SoftHsm:
    return fresh_token(tmp_path, monkeypatch)


def _verify(spki_der: bytes, signature: bytes, data: bytes) -> None:
    public = load_der_public_key(spki_der)
    if isinstance(public, ec.EllipticCurvePublicKey):
        public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    else:
        public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr]


@pytest.mark.parametrize(("algorithm", "mechanism"),
                         [("ecdsa", "sha256_ecdsa"), ("rsa", "sha256_rsa")])
def test_generate_sign_and_verify_with_cryptography(token: SoftHsm, algorithm: str,
                                                    mechanism: str) -> None:
    store = token.store()
    spki = store.generate_key("seal-1", algorithm)
    assert store.public_key("seal-1").dump() == spki.dump()
    data = b"signed attributes \xe5\x8d\xb0"
    signature = store.sign_raw("seal-1", data, "sha256")
    _verify(spki.dump(), signature, data)
    with pytest.raises(InvalidSignature):
        _verify(spki.dump(), signature, data + b"!")
    assert store.signature_algorithm("seal-1", "sha256") == mechanism
    if algorithm == "ecdsa":
        assert spki["algorithm"]["parameters"].chosen.native == "secp256r1"
    else:
        assert spki["public_key"].parsed["modulus"].native.bit_length() == 3072


def test_the_private_key_cannot_leave_the_token(token: SoftHsm) -> None:
    import pkcs11
    from pkcs11 import Attribute, KeyType, ObjectClass
    from pkcs11 import exceptions as p11

    token.store().generate_key("seal-locked")
    with token.session() as session:
        private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label="seal-locked")
        assert private[Attribute.SENSITIVE] is True
        assert private[Attribute.EXTRACTABLE] is False
        assert private[Attribute.TOKEN] is True
        assert private[Attribute.ALWAYS_SENSITIVE] is True
        assert private[Attribute.NEVER_EXTRACTABLE] is True
        with pytest.raises(p11.AttributeSensitive):
            private[Attribute.VALUE]
        wrapper = session.generate_key(KeyType.AES, 256, template={Attribute.WRAP: True})
        with pytest.raises(pkcs11.PKCS11Error):
            wrapper.wrap_key(private)
        with pytest.raises(pkcs11.PKCS11Error):
            private[Attribute.EXTRACTABLE] = True
        assert private[Attribute.EXTRACTABLE] is False


def test_one_session_serves_many_threads(token: SoftHsm) -> None:
    store = token.store()
    spki = store.generate_key("seal-busy").dump()
    errors: list[BaseException] = []

    def sign(n: int) -> None:
        try:
            for i in range(5):
                data = f"{n}-{i}".encode()
                _verify(spki, store.sign_raw("seal-busy", data, "sha256"), data)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sign, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_existing_missing_and_destroyed_keys(token: SoftHsm) -> None:
    store = token.store()
    store.generate_key("seal-2")
    with pytest.raises(Conflict) as taken:
        store.generate_key("seal-2")
    assert taken.value.code == "KEY_EXISTS"
    assert store.destroy_key("seal-2") is True
    assert store.destroy_key("seal-2") is False
    with pytest.raises(NotFound):
        store.sign_raw("seal-2", b"x", "sha256")
    with pytest.raises(NotFound):
        store.public_key("never-made")
    store.generate_key("seal-3")
    with pytest.raises(InvalidInput) as digest:
        store.sign_raw("seal-3", b"x", "md5")
    assert digest.value.code == "KEY_DIGEST"


def test_sm2_is_refused_clearly(token: SoftHsm) -> None:
    with pytest.raises(InvalidInput) as refused:
        token.store().generate_key("seal-sm2", "sm2")
    assert refused.value.code == "PKCS11_SM2"
    assert "该硬件令牌不支持 SM2" in refused.value.zh
    assert "This token does not support SM2" in refused.value.en


def test_wrong_pin_is_a_clear_error_without_the_pin(token: SoftHsm) -> None:
    wrong = "wrong-pin-31337"
    store = token.store(pin=wrong)
    with pytest.raises(Unavailable) as refused:
        store.generate_key("seal-x")
    assert refused.value.code == "PKCS11_PIN_INCORRECT"
    text = f"{refused.value.zh} {refused.value.en} {refused.value.to_dict()} {store!r}"
    assert "PIN" in refused.value.en and wrong not in text and PIN not in text
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    with pytest.raises(Unavailable) as again:  # not tried on the token again
        store.sign_raw("seal-x", b"x", "sha256")
    assert again.value.code == "PKCS11_PIN_INCORRECT" and "not tried again" in again.value.en


def test_a_changed_pin_file_is_tried_again(token: SoftHsm, tmp_path: Path) -> None:
    from openseal.adapters.keys.pkcs11 import Pkcs11KeyStore

    pin_file = tmp_path / "pin"
    pin_file.write_text("not-the-pin\n")
    pin_file.chmod(0o600)
    settings = Settings(home=tmp_path, pkcs11_pin_file=pin_file)
    store = Pkcs11KeyStore(str(LIBRARY), token.label, lambda: load_pkcs11_pin(settings))
    with pytest.raises(Unavailable):
        store.check()
    pin_file.write_text(PIN + "\n")
    store.check()
    store.generate_key("seal-after-fix")


def test_missing_token_and_library(token: SoftHsm) -> None:
    from openseal.adapters.keys.pkcs11 import Pkcs11KeyStore

    with pytest.raises(Unavailable) as no_token:
        Pkcs11KeyStore(str(LIBRARY), "no-such-token", PIN).public_key("k")
    assert no_token.value.code == "PKCS11_TOKEN_NOT_FOUND"
    assert "no-such-token" in no_token.value.en
    with pytest.raises(Unavailable) as unset:
        Pkcs11KeyStore(str(LIBRARY), "", PIN).public_key("k")
    assert unset.value.code == "PKCS11_TOKEN_MISSING"
    with pytest.raises(Unavailable) as no_library:
        Pkcs11KeyStore("/nonexistent/libpkcs11.so", token.label, PIN).public_key("k")
    assert no_library.value.code == "PKCS11_LIBRARY"


def test_routing_by_key_id(token: SoftHsm, tmp_path: Path) -> None:
    software = SoftwareKeyStore(tmp_path / "keys", secrets.token_bytes(32))
    routed = RoutingKeyStore(software, token.store)
    spki = routed.generate_key("pkcs11:seal-r").dump()
    soft = routed.generate_key("seal-s").dump()
    assert not (tmp_path / "keys" / "pkcs11:seal-r.key").exists()
    assert (tmp_path / "keys" / "seal-s.key").exists()
    _verify(spki, routed.sign_raw("pkcs11:seal-r", b"a", "sha256"), b"a")
    _verify(soft, routed.sign_raw("seal-s", b"b", "sha256"), b"b")
    with pytest.raises(NotFound):
        routed.sign_raw("seal-r", b"a", "sha256")  # the software store has no such key
    with pytest.raises(InvalidInput) as into_token:
        routed.import_key("pkcs11:x", b"")
    assert into_token.value.code == "PKCS11_IMPORT_FILE"


def test_a_token_key_without_a_token_configured(tmp_path: Path) -> None:
    routed = RoutingKeyStore(SoftwareKeyStore(tmp_path / "keys", secrets.token_bytes(32)))
    with pytest.raises(Unavailable) as refused:
        routed.sign_raw("pkcs11:seal-1", b"x", "sha256")
    assert refused.value.code == "PKCS11_NOT_CONFIGURED"
    assert "OPENSEAL_PKCS11_LIBRARY" in refused.value.en
    routed.generate_key("seal-soft")  # software keys work as before


def test_pin_from_variable_or_file_never_in_the_settings_repr(tmp_path: Path) -> None:
    pin_file = tmp_path / "pin"
    pin_file.write_text("from-file-4711\n")
    pin_file.chmod(0o644)
    with pytest.raises(Unavailable) as shared:
        load_pkcs11_pin(Settings(home=tmp_path, pkcs11_pin_file=pin_file))
    assert shared.value.code == "PKCS11_PIN_FILE_MODE" and "chmod 600" in shared.value.en
    assert "from-file-4711" not in str(shared.value.to_dict())
    pin_file.chmod(0o600)
    assert load_pkcs11_pin(Settings(home=tmp_path, pkcs11_pin_file=pin_file)) == \
        "from-file-4711"
    settings = Settings(home=tmp_path, pkcs11_pin="from-env-4711")  # type: ignore[arg-type]
    assert load_pkcs11_pin(settings) == "from-env-4711"
    assert "from-env-4711" not in repr(settings) and "from-env-4711" not in str(settings)
    with pytest.raises(Unavailable) as none:
        load_pkcs11_pin(Settings(home=tmp_path))
    assert none.value.code == "PKCS11_PIN_MISSING"
    with pytest.raises(Unavailable) as unreadable:
        load_pkcs11_pin(Settings(home=tmp_path, pkcs11_pin_file=tmp_path / "absent"))
    assert unreadable.value.code == "PKCS11_PIN_FILE"


def test_a_key_destroyed_elsewhere_is_not_found_afterwards(token: SoftHsm) -> None:
    sealing, admin = token.store(), token.store()
    sealing.generate_key("seal-gone")
    sealing.sign_raw("seal-gone", b"x", "sha256")  # the handle is cached now
    assert admin.destroy_key("seal-gone") is True
    with pytest.raises(NotFound):
        sealing.sign_raw("seal-gone", b"x", "sha256")
