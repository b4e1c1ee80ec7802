"""Inputs that used to break the CLI (issue #10): each now gives a result, or
one line and exit 2 — never a traceback, never a secret."""

from __future__ import annotations

import io
import json
import os
import socket
import stat
import sys
import threading
from pathlib import Path

import pytest

from playground.config import paths
from playground.config.files import is_stream
from tests.helpers.cli import InProcessCli, assert_one_line_error, error_lines
from tests.helpers.env import fake_key

SECRET = fake_key("sk-proj", "HARDEN0123456789abcdefXYZ")


def no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text and "HARDEN0123456789" not in text, text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- 10.1 export --out ---------------------------------------------------------


def test_out_dash_means_standard_output(run_cli: InProcessCli) -> None:
    proc = run_cli("export", "-f", "toml", "--out", "-")
    assert proc.returncode == 0, proc.stderr
    assert "[router]" in proc.stdout and not Path("-").exists()


def _drain(fd: int, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with os.fdopen(fd, "rb") as stream:
            into.append(stream.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader


def test_out_into_a_pipe_writes_into_it_and_leaves_it_a_pipe(run_cli: InProcessCli) -> None:
    read_end, write_end = os.pipe()
    got: list[bytes] = []
    reader = _drain(read_end, got)
    try:
        proc = run_cli("export", "-f", "litellm", "--out", f"/proc/self/fd/{write_end}")
        assert stat.S_ISFIFO(os.fstat(write_end).st_mode)
    finally:
        os.close(write_end)
    reader.join(timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert b"model_list:" in got[0]


def test_out_into_a_fifo_keeps_the_fifo(tmp_path: Path, run_cli: InProcessCli) -> None:
    fifo = tmp_path / "policy.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    proc = run_cli("export", "-f", "toml", "--out", str(fifo))
    reader.join(timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and b"[router]" in got[0]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_out_into_a_device_writes_into_it(tmp_path: Path, run_cli: InProcessCli) -> None:
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is
    proc = run_cli("export", "-f", "toml", "--out", str(null))
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(null.lstat().st_mode)


def test_standard_streams_are_never_replaced() -> None:
    for name in ("/dev/stdout", "/dev/stderr", "/dev/null", "/proc/self/fd/1"):
        if os.path.exists(name):
            assert is_stream(Path(name)), name


def test_a_symlinked_regular_file_is_replaced_through_the_link(tmp_path: Path, run_cli: InProcessCli) -> None:
    target = tmp_path / "real.toml"
    target.write_text("old")
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    proc = run_cli("export", "-f", "toml", "--out", str(link))
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and "[router]" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "link.toml", "real.toml"]


def test_out_into_a_missing_directory_is_refused_unless_parents(tmp_path: Path, run_cli: InProcessCli) -> None:
    out = tmp_path / "no" / "such" / "x.toml"
    assert_one_line_error(run_cli("export", "-f", "toml", "--out", str(out)), 2, "pass --parents")
    assert not (tmp_path / "no").exists()
    assert run_cli("export", "-f", "toml", "--out", str(out), "--parents").returncode == 0
    assert [stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "no", out.parent)] == [0o700, 0o700]


# --- 10.2 secrets in every message -----------------------------------------------


@pytest.mark.parametrize("env", [
    {"PLAYGROUND_ROUTER__COLUMNS": f'["fixed", "{SECRET}"]'},
    {"PLAYGROUND_STRATEGIES__FIXED": f'{{ model = "{SECRET}" }}'},
    {"PLAYGROUND_GROUPS__FAST": f'["{SECRET}"]'},
])
def test_keys_in_playground_list_and_table_values_are_not_echoed(env: dict[str, str], run_cli: InProcessCli) -> None:
    proc = run_cli("export", "-f", "toml", **env)
    assert proc.returncode == 2
    no_secret(proc.stdout, proc.stderr)


@pytest.mark.parametrize("args", [
    ("run", "hi", "-s", "fixed", "-p", f"fixed.model={SECRET}"),
    ("run", "hi", "-s", "fixed", "-p", f"fixed.{SECRET}=1", "--json"),
    ("soak", "-n", "1", "--faults", f"server_error={SECRET}"),
    ("soak", "-n", "1", "--faults", f"{SECRET}:down=1"),
    ("sim", "--port", "0", "--faults", f"{SECRET}=1"),
])
def test_keys_in_arguments_are_not_echoed(args: tuple[str, ...], run_cli: InProcessCli) -> None:
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert len(error_lines(proc)) == 1
    no_secret(proc.stdout, proc.stderr)


def test_a_key_in_the_base_url_or_with_a_trailing_newline_is_never_printed(run_cli: InProcessCli) -> None:
    base = f"http://user:{SECRET}@127.0.0.1:{free_port()}/v1"
    for key in (SECRET, SECRET + "\r", SECRET + "\n"):
        proc = run_cli("run", "hi", "-s", "fixed", "-p", "fixed.model=gpt-4o", "--json",
                       OPENAI_API_KEY=key, OPENAI_BASE_URL=base)
        assert proc.returncode in (1, 2), proc.stderr
        no_secret(proc.stdout, proc.stderr)
    proc = run_cli("models", OPENAI_API_KEY="k" * 20, OPENAI_BASE_URL=base)
    assert proc.returncode == 0 and "***@127.0.0.1" in proc.stdout
    no_secret(proc.stdout, proc.stderr)


# --- 10.3 undecodable input --------------------------------------------------------


@pytest.mark.parametrize("args", [("run", "caf\udce9"), ("run", "hi", "--system", "\udcff"),
                                  ("tui", "--prompt", "\ud800")])
def test_arguments_that_are_not_utf8_are_one_line(args: tuple[str, ...], run_cli: InProcessCli) -> None:
    assert_one_line_error(run_cli(*args), 2, "is not valid UTF-8 text")


def test_standard_input_that_is_not_utf8_is_one_line(run_cli: InProcessCli) -> None:
    assert_one_line_error(run_cli("run", "-", stdin=b"caf\xe9 \xff"), 2, "standard input is not valid UTF-8")


def test_run_dash_with_standard_input_closed(run_cli: InProcessCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", None)  # what Python sets when fd 0 is closed
    assert_one_line_error(run_cli("run", "-"), 2, "standard input is closed")
    closed = io.StringIO("hi")
    closed.close()
    monkeypatch.setattr(sys, "stdin", closed)
    assert_one_line_error(run_cli("run", "-"), 2, "standard input is closed")


# --- 10.7 tracebacks ---------------------------------------------------------------


def _deep_toml(depth: int) -> str:
    return "[router]\ncolumns = " + "[" * depth + "]" * depth + "\n"


def test_deeply_nested_toml_in_a_config_file_or_variable(tmp_path: Path, run_cli: InProcessCli) -> None:
    config = tmp_path / "deep.toml"
    for text in (_deep_toml(5000), "[" + ".".join(["a"] * 3000) + "]\nx = 1\n"):
        config.write_text(text)
        proc = run_cli("--config", str(config), "export", "-f", "toml")
        assert_one_line_error(proc, 2, "nested more than 32 levels deep")
    proc = run_cli("export", "-f", "toml", PLAYGROUND_ROUTER__COLUMNS="[" * 5000 + "]" * 5000)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "environment variable PLAYGROUND_ROUTER__COLUMNS" in proc.stderr
    proc = run_cli("export", "-f", "toml", PLAYGROUND_ROUTER__COLUMNS="[" * 100 + "]" * 100)
    assert_one_line_error(proc, 2, "environment variable PLAYGROUND_ROUTER__COLUMNS")


LAUGHS = "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))


@pytest.mark.parametrize(("yaml_text", "fragment"), [
    ("model_list:\n  - model_name: a\n    litellm_params: {model: openai/x, 1: 2}\n"
     "    model_info: {3: 4, max_input_tokens: 1000}\nrouter_settings: {5: 6, 7: 8}\n9: 10\n", None),
    ("model_list:\n  - model_name: a\n    litellm_params: {model: openai/x}\n    model_info: {max_input_tokens: "
     + "9" * 4000 + "}\n", "must be a finite number"),
    ("model_list:\n  - model_name: a\n    litellm_params: {model: openai/x}\n    model_info: {max_input_tokens: "
     + "9" * 5000 + "}\n", "not a usable YAML config"),
    ("model_list: " + "[" * 3000 + "]" * 3000 + "\n", "nested more than 32 levels deep"),
    ('a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + LAUGHS + "model_list: *i\n",
     "expands to more than 100,000 values"),
])
def test_hostile_yaml_imports(yaml_text: str, fragment: str | None, tmp_path: Path, run_cli: InProcessCli) -> None:
    source = tmp_path / "gateway.yaml"
    source.write_text(yaml_text)
    proc = run_cli("import", "-f", "litellm", str(source))
    if fragment is None:  # integer keys: imported, the unknown ones reported
        assert proc.returncode == 0, proc.stderr
        assert "router_settings.5 not imported" in proc.stderr
    else:
        assert_one_line_error(proc, 2, fragment)
        assert len(proc.stderr) < 600  # the expanded value is never spelled out


GOOD_EXAMPLES = '{"prompt": "hi", "best_model": "gpt-4o"}\n{"prompt": "sum a list", "best_model": "gpt-5-mini"}\n'


@pytest.mark.parametrize(("examples", "out", "extra", "fragment"), [
    (b"\xff\xfe{}\n", "r.json", (), "not UTF-8 text"),
    (b'{"prompt": ' + b"[" * 5000 + b"]" * 5000 + b"}\n", "r.json", (), "nested too deeply"),
    (b'{"prompt": "hi", "quality": {"gpt-4o": NaN}}\n', "r.json", (), "quality.gpt-4o"),
    (GOOD_EXAMPLES.encode(), ".", (), "is a directory"),
    (GOOD_EXAMPLES.encode(), "examples.jsonl/r.json", (), "cannot write"),
    (GOOD_EXAMPLES.encode(), "r.json", ("--dimensions", "-5"), "-5 is out of range; allowed: 1..8192"),
    (GOOD_EXAMPLES.encode(), "r.json", ("--dimensions", "1e8"), "expected a whole number 1..8192"),
    (GOOD_EXAMPLES.encode(), "r.json", ("--dimensions", "5000"), "text-embedding-3-small allows 1..1536"),
])
def test_train_router_mistakes(examples: bytes, out: str, extra: tuple[str, ...], fragment: str, tmp_path: Path,
                               run_cli: InProcessCli) -> None:
    source = tmp_path / "examples.jsonl"
    source.write_bytes(examples)
    proc = run_cli("train-router", str(source), "--out", str(tmp_path / out), "--sim", *extra)
    assert_one_line_error(proc, 2, fragment)
    assert not (tmp_path / "r.json").exists()


def test_train_router_writes_a_private_file_that_run_loads(tmp_path: Path, run_cli: InProcessCli) -> None:
    source = tmp_path / "examples.jsonl"
    source.write_text(GOOD_EXAMPLES)
    out = tmp_path / "models" / "router.json"
    proc = run_cli("train-router", str(source), "--out", str(out), "--sim", "--dimensions", "64")
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    proc = run_cli("run", "sum a list", "-s", "learned", "-p", f"learned.router_file={out}", "--json")
    assert proc.returncode == 0, proc.stderr


def test_a_router_file_that_is_binary(tmp_path: Path, run_cli: InProcessCli) -> None:
    binary = tmp_path / "router.json"
    binary.write_bytes(bytes(range(256)) * 4)
    proc = run_cli("run", "hi", "-s", "learned", "-p", f"learned.router_file={binary}")
    assert_one_line_error(proc, 2, "not a trained router file")


# --- 10.7 / 10.10 out-of-range values --------------------------------------------


@pytest.mark.parametrize(("args", "fragment"), [
    (("sim", "--port", "1e23"), "argument --port: expected a whole number 0..65535, got '1e23'"),
    (("sim", "--port", "70000"), "argument --port: 70000 is out of range; allowed: 0..65535"),
    (("sim", "--port", "-1"), "argument --port: -1 is out of range; allowed: 0..65535"),
    (("sim", "--speed", "0"), "argument --speed: 0 is out of range"),
    (("run", "hi", "--sim-speed", "1e-300"), "argument --sim-speed: 1e-300 is out of range; allowed: ≥ 0.01"),
    (("run", "hi", "--max-tokens", "0"), "argument --max-tokens: 0 is out of range; allowed: 1..10000000"),
    (("run", "hi", "--repeat", "101"), "argument --repeat: 101 is out of range; allowed: 1..100"),
    (("soak", "--idle-timeout", "nan"), "argument --idle-timeout: nan is out of range; allowed: > 0 and ≤ 3600 s"),
    (("soak", "--total-timeout", "inf"), "argument --total-timeout: inf is out of range; allowed: > 0 and ≤ 7200 s"),
    (("soak", "--requests", "0"), "argument --requests/-n: 0 is out of range"),
    (("soak", "-n", "1", "-s", "fixed", "-p", "cascade.judge=gpt-4o"), "--param given for cascade, which is not run"),
    (("--config", "", "models"), "--config is empty"),
    (("models", "--config", " "), "--config is empty"),
    (("run", "hi", "--bogus"), "unrecognized arguments: --bogus"),
    (("nonsense",), "invalid choice: 'nonsense'"),
])
def test_out_of_range_values_are_refused_in_one_line(args: tuple[str, ...], fragment: str,
                                                    run_cli: InProcessCli) -> None:
    assert_one_line_error(run_cli(*args), 2, fragment)


def test_infinite_prices_are_refused_not_exported_as_invalid_json(tmp_path: Path, run_cli: InProcessCli) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[models.gpt-4o]\ninput_per_mtok = inf\n")
    proc = run_cli("--config", str(config), "export", "-f", "portkey")
    assert_one_line_error(proc, 2, f"{config}:2: models.gpt-4o.input_per_mtok = inf: must be a finite number")
    mine = '{ provider = "openai", api_name = "x", context_window = 1000, input_per_mtok = 1, output_per_mtok = nan }'
    proc = run_cli("export", "-f", "litellm", PLAYGROUND_MODELS__MINE=mine)
    assert_one_line_error(proc, 2, "environment variable PLAYGROUND_MODELS__MINE: models.mine.output_per_mtok = nan")
    proc = run_cli("models", "--json", PLAYGROUND_MODELS__MINE=mine.replace("nan", "inf"))
    assert proc.returncode == 0, proc.stderr  # running on the defaults; the notice says what was ignored
    assert "Infinity" not in proc.stdout and "mine" not in {row["id"] for row in json.loads(proc.stdout)}
    assert "PLAYGROUND_MODELS__MINE" in proc.stderr


# --- 10.12 small ------------------------------------------------------------------


def test_state_and_config_directories_are_owner_only(run_cli: InProcessCli) -> None:
    assert run_cli("models").returncode == 0
    last_good = paths.last_good_file(paths.config_dir() / "config.toml")
    assert last_good.exists()
    folder = last_good.parent
    created = []
    while folder != Path(os.environ["HOME"]):
        created.append(folder)
        folder = folder.parent
    assert {str(f): stat.S_IMODE(f.stat().st_mode) for f in created} == {str(f): 0o700 for f in created}


def test_the_last_good_copy_keeps_values_not_comments(tmp_path: Path, run_cli: InProcessCli) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f"# my key, for later: {SECRET}\n[retry]\nmax_attempts = 3  # three\n")
    assert run_cli("--config", str(config), "models").returncode == 0
    kept = paths.last_good_file(config).read_text()
    assert "max_attempts = 3" in kept and "three" not in kept
    no_secret(kept)


def test_models_columns_never_run_together(tmp_path: Path, run_cli: InProcessCli) -> None:
    long_id = "a-model-with-a-remarkably-long-identifier-v2"
    config = tmp_path / "c.toml"
    config.write_text(f'[providers.a-provider-with-a-long-name]\nbase_url = "http://127.0.0.1:9/v1"\n'
                      f'[models.{long_id}]\nprovider = "a-provider-with-a-long-name"\napi_name = "x"\n'
                      "context_window = 1000000\ninput_per_mtok = 12345.5\noutput_per_mtok = 1\ntier = \"flagship\"\n")
    proc = run_cli("--config", str(config), "models")
    assert proc.returncode == 0, proc.stderr
    row = next(line for line in proc.stdout.splitlines() if line.startswith(long_id))
    assert row.split() == [long_id, "a-provider-with-a-long-name", "flagship", "12345.50", "1.00", "1,000,000",
                           "simulator"]
    assert f"{long_id}  a-provider-with-a-long-name  flagship" in row


# --- progress on a terminal ---------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_soak_shows_progress_on_a_terminal_only(run_cli: InProcessCli, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    args = ("soak", "-n", "4", "-c", "2", "--sim-speed", "200", "--faults", "server_error=0.5", "--seed", "3")
    plain = run_cli(*args)
    assert plain.returncode == 0, plain.stderr
    assert "answered" not in plain.stderr
    terminal = _Terminal()
    with capsys.disabled():
        monkeypatch.setattr(sys, "stderr", terminal)
        monkeypatch.setattr(sys, "stdout", io.StringIO())
        from playground.cli import main

        code = main(list(args))
    assert code == 0
    shown = terminal.getvalue()
    assert "soak fallback" in shown and "4/4" in shown and "answered" in shown and "hung 0" in shown
    quiet = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    from playground.cli import main as again

    assert again([*args, "--json"]) == 0 and "answered" not in quiet.getvalue()


def test_train_router_shows_progress_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "examples.jsonl"
    source.write_text(GOOD_EXAMPLES)
    terminal = _Terminal()
    with capsys.disabled():
        monkeypatch.setattr(sys, "stderr", terminal)
        monkeypatch.setattr(sys, "stdout", io.StringIO())
        from playground.cli import main

        code = main(["train-router", str(source), "--out", str(tmp_path / "r.json"), "--sim", "--dimensions", "32"])
    assert code == 0
    assert "embedding examples" in terminal.getvalue() and "2/2" in terminal.getvalue()
