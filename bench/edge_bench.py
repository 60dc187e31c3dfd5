#!/usr/bin/env python3
"""Benchmark: signed uploads to one edge central node (TLS 1.3, durable LMDB).

Starts an edge node on 127.0.0.1 in a temp dir, registers OBJECTS HMAC
thermometers with `mlchain object register`, then CLIENTS threads, each with
its own kept-open HTTPS connection, upload UPLOADS readings in total, signed
exactly as docs/edge-requests.md says. Mixed in: bad requests (wrong MAC,
replayed counter, out-of-range reading), each of which must be refused.
Prints uploads/s, latency p50/p99/max and the refusals by reason, beside this
machine's Ed25519 verify rate V1 measured in the same run. A benchmark, not a
test: it asserts no speed, only that bad requests were refused.

    bench/edge_bench.py [MLCHAIN] [UPLOADS] [CLIENTS] [OBJECTS]
    bench/edge_bench.py build/cli/mlchain 10000 16 64
"""
import hashlib, hmac, http.client, json, os, re, shutil, socket, ssl, subprocess, sys, tempfile, threading, time

MLCHAIN = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else "build/cli/mlchain")
UPLOADS = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
CLIENTS = int(sys.argv[3]) if len(sys.argv) > 3 else 16
OBJECTS = int(sys.argv[4]) if len(sys.argv) > 4 else 64
PORT = int(os.environ.get("BENCH_EDGE_PORT", "7390"))
HERE = os.path.dirname(os.path.realpath(__file__))


def run(*args):
    return subprocess.run([MLCHAIN, *args], check=True, capture_output=True, text=True).stdout


def v1():
    out = subprocess.run(["openssl", "speed", "-seconds", "3", "ed25519"], capture_output=True, text=True).stdout
    rows = [l for l in out.splitlines() if "Ed25519" in l]
    return int(float(rows[-1].split()[-1])) if rows else 0


def sign(secret_hex, action, uuid, counter, body):
    msg = "mlc-edge-v1\n%s\n%s\n%d\n%s" % (action, uuid, counter, hashlib.sha256(body).hexdigest())
    return hmac.new(bytes.fromhex(secret_hex), msg.encode(), hashlib.sha256).hexdigest()


def main():
    d = tempfile.mkdtemp(prefix="mlchain-edge-bench.")
    node = None
    try:
        run("-q", "key", "gen", "--out", f"{d}/e1.pem", "--name", "e1")
        run("-q", "key", "gen", "--out", f"{d}/admin.pem", "--name", "admin")
        admin = json.loads(run("key", "show", "--key", f"{d}/admin.pem", "-o", "json"))["public_key"]
        with open(f"{d}/e1.toml", "w") as f:
            f.write(f'role = "edge"\nname = "e1"\nkey_file = "e1.pem"\nlisten = "127.0.0.1:{PORT}"\n'
                    f'data_dir = "data"\nlayer = "BENCH/E1"\nadmin_keys = ["{admin}"]\ncredentials = ["hmac"]\n')
        log = open(f"{d}/e1.log", "w")
        node = subprocess.Popen([MLCHAIN, "node", "run", "--config", f"{d}/e1.toml"], stderr=log)
        edge = f"https://127.0.0.1:{PORT}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        fmt = os.path.join(HERE, "..", "docs", "examples", "thermometer-format.json")
        objects = []
        for _ in range(OBJECTS):
            r = json.loads(run("-q", "object", "register", "--edge", edge, "--admin-key", f"{d}/admin.pem",
                               "--class", "Device/Sensor/Thermometer/Acme", "--perm", "upload", "--format", fmt,
                               "--hmac", "-o", "json"))
            objects.append({"uuid": r["object"]["uuid"], "secret": r["secret"], "counter": 0, "lock": threading.Lock()})

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # self-signed; a device would pin the key (docs/edge-requests.md)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        latencies, refused, bad_sent, errors = [], {}, {}, []
        lock = threading.Lock()
        next_i = [0]

        def worker(w):
            conn = http.client.HTTPSConnection("127.0.0.1", PORT, context=ctx, timeout=30)
            while True:
                with lock:
                    i = next_i[0]
                    next_i[0] += 1
                if i >= UPLOADS:
                    break
                o = objects[i % len(objects)]
                kind = "good" if i % 50 else ("bad_signature", "replayed", "schema_violation")[(i // 50) % 3]
                with o["lock"]:  # one object's counters strictly increase
                    if kind == "replayed" and o["counter"] == 0:
                        kind = "good"  # nothing accepted yet: nothing to replay
                    if kind != "replayed":
                        o["counter"] += 1
                    counter = max(o["counter"], 1)
                    body = json.dumps({"temp_cC": 9000 if kind == "schema_violation" else 2000 + i % 500}).encode()
                    secret = "00" * 32 if kind == "bad_signature" else o["secret"]
                    headers = {"X-Mlc-Object": o["uuid"], "X-Mlc-Counter": str(counter),
                               "X-Mlc-Signature": sign(secret, "upload", o["uuid"], counter, body),
                               "Content-Type": "application/json"}
                    t0 = time.perf_counter()
                    conn.request("POST", "/v1/object/upload", body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    dt = time.perf_counter() - t0
                with lock:
                    if kind == "good":
                        if resp.status == 200:
                            latencies.append(dt)
                        else:
                            errors.append((resp.status, data[:200]))
                    else:
                        bad_sent[kind] = bad_sent.get(kind, 0) + 1
                        reason = "accepted!" if resp.status == 200 else (
                            re.search(rb'"code":"([a-z_]+)"', data).group(1).decode() if b'"code"' in data else str(resp.status))
                        refused[reason] = refused.get(reason, 0) + 1
            conn.close()

        v1_start = v1()
        t0 = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(w,)) for w in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        latencies.sort()
        pct = lambda p: latencies[min(len(latencies) - 1, int(p * (len(latencies) - 1) + 0.5))] * 1000
        print(f"V1 (openssl speed ed25519, verify/s): {v1_start}")
        print(f"objects {OBJECTS}, clients {CLIENTS} (one kept-open TLS connection each), requests {UPLOADS}")
        rate = len(latencies) / wall
        print(f"accepted uploads: {len(latencies)} in {wall:.2f} s = {rate:.0f}/s ({rate / v1_start:.3f} V1)")
        print(f"latency: p50 {pct(0.5):.2f} ms, p99 {pct(0.99):.2f} ms, max {latencies[-1] * 1000:.2f} ms")
        print(f"bad requests sent: {bad_sent}; answered: {refused}")
        print(f"unexpected errors on good uploads: {len(errors)} {errors[:3]}")
        show = json.loads(run("object", "show", "--edge", edge, "--admin-key", f"{d}/admin.pem", objects[0]["uuid"], "-o", "json"))
        print(f"object {objects[0]['uuid']}: last counter {show['object'].get('counter')}, history kept {len(show['history'])}")
        ok = "accepted!" not in refused and not errors
        print("all bad requests refused" if ok else "SOMETHING WAS WRONG (see above)")
        return 0 if ok else 1
    finally:
        if node:
            node.terminate()
            node.wait(timeout=15)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
