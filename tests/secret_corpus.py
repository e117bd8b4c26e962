"""Fake secrets in the contexts where they turn up in pastes, for every redaction test.

Each case is (name, text, secret): after redaction no output may contain ``secret``.
The fake keys are assembled from pieces so that no secret scanner mistakes this file
for a leak; they have the real formats (prefix, alphabet, length).
"""

from __future__ import annotations

from typing import NamedTuple


class SecretCase(NamedTuple):
    """One paste line that carries a secret, and the part that must never be printed."""

    name: str
    text: str
    secret: str


_B62 = "aZ3kQ9xW2mP7vL4tR8nB5cJ1hF6gD0s"  # 31 mixed characters, repeated to the real lengths

GHP = "ghp_" + (_B62 + "Ye4u6")[:36]
GHO = "gho_" + (_B62[::-1] + "Ab12C")[:36]
GHS = "ghs_" + (_B62 + "Zz9Yy")[:36]
GITHUB_PAT = "github_pat_11" + "ABCDEFG0" + "_" + (_B62 * 3)[:59]
OPENAI = "sk-" + (_B62 * 2)[:48]
OPENAI_PROJ = "sk-proj-" + (_B62 * 3)[:40] + "_" + (_B62 * 2)[:30] + "-" + _B62[:20]
ANTHROPIC = "sk-ant-api03-" + (_B62 * 4)[:93] + "-AA"
HF = "hf_" + (_B62 * 2)[:34]
AWS_KEY_ID = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"
SLACK_BOT = "xoxb-" + "2387462" + "8231-" + "4938572039485-" + (_B62[:24])
SLACK_USER = "xoxp-" + "1234567890-" + "0987654321-" + (_B62[:20])
GOOGLE = "AIza" + "SyD" + (_B62 * 2)[:32]
JWT = "eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiJhbGljZSJ9" + ".c2lnbmF0dXJlLXNpZ25hdHVyZQ"
KEY_BODY = "MIIEowIBAAKCAQEA" + (_B62 * 2)[:48]
BASIC = "YWxpY2U6aHVudGVyMg=="  # alice:hunter2
WANDB = "f00ba7" * 6 + "c0de"

CORPUS: tuple[SecretCase, ...] = (
    SecretCase("github-classic", f"remote: Invalid token {GHP} for https://github.com/org/repo", GHP),
    SecretCase("github-oauth", f"GITHUB_TOKEN={GHO}", GHO[4:]),
    SecretCase("github-app", f"using app token {GHS} (expired)", GHS),
    SecretCase("github-fine-grained", f"git push failed for {GITHUB_PAT}", GITHUB_PAT[11:]),
    SecretCase("openai", f"openai.AuthenticationError: Incorrect API key provided: {OPENAI}.", OPENAI[3:]),
    SecretCase("openai-project", f"Error code: 401 - invalid key {OPENAI_PROJ}", OPENAI_PROJ[8:]),
    SecretCase("anthropic", f"anthropic.AuthenticationError: key={ANTHROPIC}", ANTHROPIC[7:]),
    SecretCase("huggingface", f"HfHubHTTPError: 401 Client Error for token {HF}", HF),
    SecretCase("huggingface-env", f"HF_TOKEN={HF} python train.py", HF[3:]),
    SecretCase("aws-key-id", f"botocore.exceptions.ClientError: InvalidAccessKeyId {AWS_KEY_ID}", AWS_KEY_ID),
    SecretCase("aws-secret", f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET),
    SecretCase("aws-secret-env", f"export AWS_SECRET_ACCESS_KEY={AWS_SECRET}", AWS_SECRET),
    SecretCase("slack-bot", f"slack_sdk.errors.SlackApiError: invalid_auth for {SLACK_BOT}", SLACK_BOT[5:]),
    SecretCase("slack-user", f"token: {SLACK_USER}", SLACK_USER[5:]),
    SecretCase(
        "slack-webhook",
        "POST https://hooks.slack.com/services/T0123ABCD/B0456EFGH/" + _B62[:24] + " failed",
        _B62[:24],
    ),
    SecretCase("google", f"google.api_core.exceptions.PermissionDenied: key {GOOGLE}", GOOGLE[4:]),
    SecretCase("jwt", f"jwt {JWT} rejected", JWT.split(".")[1]),
    SecretCase(
        "private-key-rsa",
        f"-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\n{KEY_BODY[::-1]}\n-----END RSA PRIVATE KEY-----",
        KEY_BODY,
    ),
    SecretCase(
        "private-key-openssh-cut",  # a paste cut off inside the block
        f"Load key: invalid format\n-----BEGIN OPENSSH PRIVATE KEY-----\n{KEY_BODY}",
        KEY_BODY,
    ),
    SecretCase("bearer-header", f"Authorization: Bearer {JWT}", JWT.split(".")[2]),
    SecretCase("bearer-lowercase", f"headers={{'authorization': 'bearer {OPENAI[3:]}'}}", OPENAI[3:]),
    SecretCase("basic-header", f"Authorization: Basic {BASIC}", BASIC),
    SecretCase("url-password", "fatal: unable to access 'https://alice:hunter2pass@github.com/o/r/'", "hunter2pass"),
    SecretCase("url-password-db", "sqlalchemy: postgresql://admin:S3cr3tPw@db.internal:5432/runs", "S3cr3tPw"),
    SecretCase("url-token-user", f"git clone https://{GHP[4:]}@github.com/org/repo", GHP[4:]),
    SecretCase("password-assignment", "DB_PASSWORD='correct-horse-battery'", "correct-horse-battery"),
    SecretCase("api-key-assignment", "OPENAI_API_KEY=abcdef1234567890", "abcdef1234567890"),
    SecretCase("wandb", f"wandb: api_key: '{WANDB}'", WANDB),
    SecretCase("email", "Permission denied for jane.doe@example.org", "jane.doe@example.org"),
    SecretCase("home-linux", 'File "/home/alice/proj/train.py", line 3, in <module>', "alice"),
    SecretCase("home-mac", 'File "/Users/bob/train.py", line 3', "bob"),
    SecretCase("home-windows", r"File C:\Users\carol\train.py", "carol"),
    SecretCase("ip-address", "torch.distributed: connect to 10.1.2.3:29500 failed", "10.1.2.3"),
)

# Redaction must leave these alone: the matcher needs them, and they are not secrets.
KEEP: tuple[str, ...] = (
    "peft==0.13.2 transformers 4.46.0 torch version 2.4.0.1",
    "ValueError: Target modules {'q_proj', 'v_proj'} not found in the base model.",
    "AttributeError: 'LlamaForCausalLM' object has no attribute 'hf_quantizer'",
    "tokenizer.pad_token = tokenizer.eos_token",
    "max_new_tokens=512, use_auth_token=True",
    '  File "/opt/conda/lib/python3.11/site-packages/peft/tuners/tuners_utils.py", line 5',
    "basic configuration error: task-specific head missing",
)


def paste_with_every_secret() -> str:
    """The whole corpus as one paste, one case per line, ending with an error line nothing matches."""
    return "\n".join(case.text for case in CORPUS) + "\nZeroDivisionError: division by zero in step 7\n"


# Long runs of the characters the patterns scan: a pattern that restarts inside a run is quadratic here
# (40 KB of "a." took 18 s before the e-mail rule was anchored at run starts). JavaScript has no timeout.
LONG_RUNS: tuple[str, ...] = (
    "a." * 20000,
    "http://" + "a-" * 20000,
    "1." * 20000,
    "a_" * 20000,
    "token_" * 8000,
    "a:" * 20000,
    "x://" * 10000,
    "a@" * 20000,
    "%." * 20000,
    ("eyJ" + "a" * 10 + ".") * 3000,
    "eyJ-" * 10000,
    "a-b." * 10000,
    "Authorization:" + " " * 40000,
    "-----BEGIN PRIVATE KEY-----" * 1500,
)
