"""openseal seal import: a seal made elsewhere (a GB/T 38540 .esl with its SM2 key, a
licensed CA's PKCS#12, or a CA's certificate whose key is in the PKCS#11 token). Passwords
come from a file only, never from the command line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.keys.stores import key_store_of
from openseal.core.seals.importing import Imported, import_esl_seal, import_p12_seal
from openseal.core.seals.token_import import import_token_seal
from openseal.errors import InvalidInput
from openseal.interfaces.cli.operator import operator
from openseal.interfaces.cli.output import emit, read_input, translated_errors

MAX_PASSWORD_FILE = 4096


def register(seal: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    @seal.command("import")
    def import_(
        org: str = typer.Option(..., help="Organisation id, credit code or name"),
        esl: Path = typer.Option(None, "--esl", help="GB/T 38540 electronic seal (FILE.esl)"),
        key: Path = typer.Option(None, "--key",
                                 help="The .esl's SM2 signer key: PKCS#8, SEC1 or PKCS#12"),
        cert: Path = typer.Option(None, "--cert",
                                  help="The signer certificate, when the .esl lists digests"),
        p12: Path = typer.Option(None, "--p12",
                                 help="A licensed CA's PKCS#12 (EC or RSA 2048+ key + "
                                      "certificate): a PDF seal"),
        seal_type: str = typer.Option("contract", "--type",
                                      help="--p12: official|contract|finance|invoice|"
                                           "legal-rep|custom"),
        name: str = typer.Option(None, help="Seal name (default: the .esl's, or the "
                                            "certificate's CN)"),
        image: Path = typer.Option(None, help="--p12: use this PNG/JPEG instead of drawing"),
        pkcs11_key: str = typer.Option(
            None, "--pkcs11-key",
            help="Label of a key already in the PKCS#11 token (with --p12-cert): a PDF seal "
                 "whose key stays in the token"),
        p12_cert: Path = typer.Option(
            None, "--p12-cert",
            help="--pkcs11-key: the CA's certificate for that key (PEM or DER; its CA chain "
                 "may follow in the same PEM file)"),
        password_file: Path = typer.Option(None, "--password-file",
                                           help="File holding the key's password"),
        allow_name_mismatch: bool = typer.Option(
            False, "--allow-name-mismatch",
            help="Import even if the certificate names another organisation (audited)"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Import a seal made elsewhere: --esl FILE.esl --key FILE (an SM2 seal for OFD),
        --p12 FILE (a PDF seal), or --p12-cert CERT.pem --pkcs11-key LABEL (a PDF seal whose
        key is in the PKCS#11 token). Nothing is stored on any refusal."""
        with translated_errors(as_json):
            _check_usage(esl, key, p12, pkcs11_key, p12_cert)
            password = read_password(password_file) if password_file else None
            w = wiring()
            w.require_schema()
            if pkcs11_key is not None:
                cert_data = read_input(p12_cert)
                image_data = read_input(image) if image else None

                def run(c: Context) -> Imported:
                    return import_token_seal(
                        c.repos, c.keystore, c.clock, org, cert_data, pkcs11_key,
                        seal_type=seal_type, name=name, image=image_data,
                        allow_name_mismatch=allow_name_mismatch, audit=c.audit,
                        principal=operator(None))
                source = "pkcs11"
            elif esl is not None:
                esl_data, key_data = read_input(esl), read_input(key)
                cert_data = read_input(cert) if cert else None

                def run(c: Context) -> Imported:
                    return import_esl_seal(
                        c.repos, c.keystore, c.clock, org, esl_data, key_data, password,
                        cert=cert_data, name=name, allow_name_mismatch=allow_name_mismatch,
                        audit=c.audit, principal=operator(None))
                source = "esl"
            else:
                p12_data = read_input(p12)
                image_data = read_input(image) if image else None

                def run(c: Context) -> Imported:
                    return import_p12_seal(
                        c.repos, c.keystore, c.clock, org, p12_data, password,
                        seal_type=seal_type, name=name, image=image_data,
                        allow_name_mismatch=allow_name_mismatch, audit=c.audit,
                        principal=operator(None))
                source = "p12"
            done = w.run(run, Refusal("seal.import", details={"org": org, "source": source}))
            s = done.seal
            facts = {"id": s.id, "org_id": s.org_id, "name": s.name,
                     "type": s.design.seal_type.value, "status": s.status,
                     "algorithm": s.algorithm, "origin": s.origin, "maker": s.maker,
                     "es_id": s.es_id, "certificate_serial": done.certificate.serial_hex,
                     "certificate_subject": done.certificate.subject,
                     "certificate_not_after": done.certificate.not_after.isoformat(),
                     "name_mismatch": done.name_mismatch,
                     "key_store": key_store_of(s.key_id)}
            emit(facts, as_json, lambda: typer.echo(s.id))


def _check_usage(esl: Path | None, key: Path | None, p12: Path | None,
                 pkcs11_key: str | None, p12_cert: Path | None) -> None:
    """Exactly one source: --esl with --key, --p12, or --pkcs11-key with --p12-cert."""
    sources = [x for x in (esl, p12, pkcs11_key) if x is not None]
    if len(sources) != 1 or (esl is not None and key is None) or \
            ((pkcs11_key is None) != (p12_cert is None)):
        raise InvalidInput("IMPORT_USAGE",
                           "请给出 --esl 与 --key，或者 --p12，或者 --p12-cert 与 --pkcs11-key"
                           "（三选一）",
                           "Give either --esl with --key, or --p12, or --p12-cert with "
                           "--pkcs11-key", field="esl")


def read_password(path: Path) -> bytes:
    """The password in ``path`` without its final line break (one \\n or \\r\\n)."""
    data = read_input(path)
    if len(data) > MAX_PASSWORD_FILE:
        raise InvalidInput("PASSWORD_FILE", "口令文件过大", "The password file is too large",
                           field="password_file")
    if data.endswith(b"\r\n"):
        return data[:-2]
    return data[:-1] if data.endswith(b"\n") else data
