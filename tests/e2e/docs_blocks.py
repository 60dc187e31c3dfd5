#!/usr/bin/env python3
"""Turns the ```sh blocks of README.md and docs/*.md into one bash session per
document, for tests/e2e/docs_e2e.sh (which runs them).

Only ports and paths are substituted, as a reader would do them:
- every documented port 7000..7999 (`:7101`, `--base-port 7400`, and the
  prefix form `:710$i`) moves to a free 100-port block found now, keeping its
  last two digits (7101 -> B+1, 710$i -> (B/10)$i), so consecutive ports stay
  consecutive and a devnet's base port moves with its nodes;
- an absolute /tmp/ path becomes DOCDIR/tmp/.
The same holds for the example configs in docs/examples/*.toml (a reader
whose port 7301 is taken edits the copy's `listen`). The session runs in
DOCDIR, a fresh directory that looks like the repository root to the
commands (a copy of docs/ with those configs; man/, completions/ and
build/cli/mlchain are links), with build/cli first on PATH. Nothing else in a
command is changed.

Markers, HTML comments on the lines right before a block's opening fence:
  <!-- docs-test: skip (REASON) -->               the block is not run
  <!-- docs-test: skip-line "PREFIX" (REASON) --> lines starting with PREFIX are not run
  <!-- docs-test: devnet DIR -->                  before the block, start the default
                                                   devnet in DIR on the moved 7400 (as the
                                                   doc's prose asks the reader to)
An unknown marker is an error, so a typo cannot skip a block silently.

Usage: docs_blocks.py REPO OUT DOC...   (DOC relative to REPO)
Writes OUT/<slug>/session.sh and OUT/<slug>/blocks.tsv (number, doc line,
status run|skip|fixture, first line, reason) and prints the port map.
"""
import json
import os
import re
import shutil
import socket
import sys

FENCE_OPEN = re.compile(r'^(\s*)```sh\s*$')
FENCE_ANY = re.compile(r'^\s*```')
MARKER = re.compile(r'^\s*<!--\s*docs-test:\s*(.*?)\s*-->\s*$')
SKIP = re.compile(r'^skip\s+\((.+)\)$')
SKIP_LINE = re.compile(r'^skip-line\s+"([^"]+)"\s+\((.+)\)$')
DEVNET = re.compile(r'^devnet\s+(\S+)$')
PORT4 = re.compile(r'\b7(\d)(\d\d)\b')           # 7101
PORT_PREFIX = re.compile(r'\b7(\d)(\d)(?=\$)')   # 710$i, 710${primary#n}
TMP = re.compile(r'(?<![\w./-])/tmp/')


def parse(path):
    """Yields dicts: line (1-based line of the fence), text, markers."""
    lines = open(path, encoding='utf-8').read().split('\n')
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i])
        if not m:
            if FENCE_ANY.match(lines[i]):  # skip other fenced blocks whole
                i += 1
                while i < len(lines) and not FENCE_ANY.match(lines[i]):
                    i += 1
            i += 1
            continue
        indent, start = len(m.group(1)), i
        markers, j = [], i - 1
        while j >= 0 and (lines[j].strip() == '' or MARKER.match(lines[j])):
            mm = MARKER.match(lines[j])
            if mm:
                markers.insert(0, (j + 1, mm.group(1)))
            elif markers:  # a blank line above the markers ends them
                break
            j -= 1
        body, i = [], i + 1
        while i < len(lines) and not FENCE_ANY.match(lines[i]):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == '' else lines[i])
            i += 1
        blocks.append({'line': start + 1, 'text': '\n'.join(body), 'markers': markers})
        i += 1
    return blocks


def port_hundreds(text):
    return {int('7' + m.group(1)) for m in PORT4.finditer(text)} | \
           {int('7' + m.group(1)) for m in PORT_PREFIX.finditer(text)}


def block_free(base):
    for p in range(base, base + 100):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # As the node's acceptor does: a TIME_WAIT left by an earlier run is
        # no reason to skip a block (a listener still is).
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(('127.0.0.1', p))
        except OSError:
            return False
        finally:
            s.close()
    return True


def pick_blocks(hundreds):
    """A free, 100-aligned block of ports in 20000..32699 (below the kernel's
    ephemeral range; MLCHAIN_E2E_PORTS=LO-HI narrows it to LO..HI) for each
    documented hundred, starting at a pid-derived offset so concurrent runs
    spread out."""
    lo, hi = (int(x) for x in os.environ.get('MLCHAIN_E2E_PORTS', '20000-32699').split('-'))
    candidates = list(range((lo + 99) // 100 * 100, hi - 98, 100))
    k = os.getpid() % len(candidates)
    candidates = candidates[k:] + candidates[:k]
    chosen = {}
    for h in sorted(hundreds):
        for c in candidates:
            if c not in chosen.values() and block_free(c):
                chosen[h] = c
                break
        else:
            sys.exit(f'docs_blocks: no free 100-port block for {h}00..{h}99')
    return chosen


def substitute(text, ports, docdir):
    text = PORT4.sub(lambda m: str(ports[int('7' + m.group(1))] + int(m.group(2))), text)
    text = PORT_PREFIX.sub(lambda m: str((ports[int('7' + m.group(1))] + 10 * int(m.group(2))) // 10), text)
    return TMP.sub(docdir + '/tmp/', text)


def q(s):
    return "'" + s.replace("'", "'\\''") + "'"


def session(doc, blocks, ports, docdir, state):
    """The bash script of one document: each block under set -e, its output in
    STATE/b<N>.out, the running block's number in STATE/current."""
    out = [f'# generated by docs_blocks.py from {doc}; run by docs_e2e.sh',
           f'cd {q(docdir)}',
           f'export PATH={q(docdir + "/build/cli")}:"$PATH"',
           'unset MLCHAIN_OUTPUT NO_COLOR  # the defaults a reader has',
           # __block N OFFSET: block N starts; OFFSET maps a line of this script to the doc's
           '__block() { echo "$1" >' + q(state + '/current') +
           '; exec >' + q(state) + '/b"$1".out 2>&1; __off=$2; }',
           # where set -e stopped the session, as a line of the doc
           "trap '__rc=$?; echo \"docs-test: exit $__rc at " + doc +
           ":$((LINENO + __off)): $BASH_COMMAND\" >&2' ERR"]
    rows = []
    for n, b in enumerate(blocks, 1):
        first = next((ln for ln in b['text'].split('\n') if ln.strip()), '')
        skip, skip_lines, fixture = None, [], None
        for line, m in b['markers']:
            if SKIP.match(m):
                skip = SKIP.match(m).group(1)
            elif SKIP_LINE.match(m):
                skip_lines.append(SKIP_LINE.match(m).groups())
            elif DEVNET.match(m):
                fixture = substitute(DEVNET.match(m).group(1), ports, docdir)
            else:
                sys.exit(f'{doc}:{line}: unknown docs-test marker: {m!r}')
        if skip:
            rows.append((n, b['line'], 'skip', first, skip))
            continue
        if fixture:
            rows.append((f'{n}-setup', b['line'], 'fixture',
                         f'mlchain devnet up --dir {fixture} --base-port {ports[74]}', 'the prose before the block'))
            out += [f'__block {n}-setup 0', 'set -e',
                    f'mlchain devnet up --dir {q(fixture)} --base-port {ports[74]}', 'set +e']
        body = []
        for ln in substitute(b['text'], ports, docdir).split('\n'):
            orig = ln
            for prefix, reason in skip_lines:
                if ln.lstrip().startswith(substitute(prefix, ports, docdir)):
                    rows.append((f'{n}', b['line'], 'skip-line', orig.strip(), reason))
                    ln = ': # docs-test: skipped'
            body.append(ln)
        rows.append((n, b['line'], 'run', first, ''))
        # the body's first line is script line len(out) + 3, doc line b['line'] + 1
        out += [f'__block {n} {b["line"] + 1 - (len(out) + 3)}', 'set -e', *body, 'set +e']
    out.append('__block done 0')
    return '\n'.join(out) + '\n', rows


def main():
    repo, outdir, docs = sys.argv[1], sys.argv[2], sys.argv[3:]
    parsed = {d: parse(os.path.join(repo, d)) for d in docs}
    examples = os.path.join(repo, 'docs', 'examples')
    configs = {f: open(os.path.join(examples, f), encoding='utf-8').read()
               for f in sorted(os.listdir(examples)) if f.endswith('.toml')}
    hundreds = {74}  # the devnet fixture's base port
    for blocks in parsed.values():
        for b in blocks:
            hundreds |= port_hundreds(b['text'])
    for text in configs.values():
        hundreds |= port_hundreds(text)
    ports = pick_blocks(hundreds)
    for doc, blocks in parsed.items():
        if not blocks:
            continue
        slug = re.sub(r'[^A-Za-z0-9]+', '-', doc).strip('-')
        d = os.path.join(outdir, slug)
        state, docdir = os.path.join(d, 'state'), os.path.join(d, 'work')
        os.makedirs(state)
        os.makedirs(os.path.join(docdir, 'tmp'))
        # docs/ as in the tree, but the example configs listen on the moved ports
        shutil.copytree(os.path.join(repo, 'docs'), os.path.join(docdir, 'docs'))
        for f, text in configs.items():
            with open(os.path.join(docdir, 'docs', 'examples', f), 'w', encoding='utf-8') as out:
                out.write(substitute(text, ports, docdir))
        script, rows = session(doc, blocks, ports, docdir, state)
        with open(os.path.join(d, 'session.sh'), 'w') as f:
            f.write(script)
        with open(os.path.join(d, 'blocks.tsv'), 'w') as f:
            for r in rows:
                f.write('\t'.join(str(x).replace('\t', ' ') for x in r) + '\n')
        with open(os.path.join(d, 'doc'), 'w') as f:
            f.write(doc + '\n')
    print(' '.join(f'{h}00->{b}' for h, b in sorted(ports.items())))


if __name__ == '__main__':
    main()
