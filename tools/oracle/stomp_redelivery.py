"""Asks a STOMP broker what happens to a message that is NACKed, and to one whose consumer
disconnects without acknowledging it, again and again: run it against Debian's ActiveMQ and
against mq-lite and compare (docs/compatibility.md records what ActiveMQ did).

Usage: stomp_redelivery.py HOST PORT LOGIN PASSCODE
Prints JSON: where the NACKed message went, and after how many abandoned deliveries the other
one reached ActiveMQ.DLQ (null if it never did within 10).
"""
import json
import socket
import sys
import time

host, port, login, passcode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


class Conn:
    def __init__(self):
        self.s = socket.create_connection((host, port))
        self.s.settimeout(3)
        self.buf = b""
        self.send(f"CONNECT\naccept-version:1.2\nhost:localhost\nlogin:{login}\npasscode:{passcode}\n\n")
        assert self.frame()[0] == "CONNECTED"

    def send(self, text):
        self.s.sendall(text.encode() + b"\0")

    def frame(self):
        while b"\0" not in self.buf:
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                return None
            if not d:
                return None
            self.buf += d
        raw, self.buf = self.buf.split(b"\0", 1)
        raw = raw.lstrip(b"\r\n")
        head, _, body = raw.partition(b"\n\n")
        lines = head.decode().split("\n")
        headers = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            headers.setdefault(k, v.replace("\\c", ":"))
        return lines[0], headers, body.decode()

    def close(self):
        self.s.close()


def drain(dest):
    c = Conn()
    c.send(f"SUBSCRIBE\nid:d\ndestination:{dest}\nack:auto\n\n")
    got = []
    while True:
        f = c.frame()
        if not f:
            break
        if f[0] == "MESSAGE":
            got.append((f[2], f[1].get("original-destination"), f[1].get("dlqDeliveryFailureCause", "")[:80]))
    c.close()
    return got


out = {}
tag = str(int(time.time()))
p = Conn()
p.send(f"SEND\ndestination:/queue/oracle.nack.{tag}\npersistent:true\nreceipt:1\n\nnacked")
p.frame()
c = Conn()
c.send(f"SUBSCRIBE\nid:s\ndestination:/queue/oracle.nack.{tag}\nack:client-individual\n\n")
f = c.frame()
c.send(f"NACK\nid:{f[1]['ack']}\n\n")
time.sleep(1)
c.close()
out["nack_dlq"] = [m for m in drain("/queue/ActiveMQ.DLQ") if m[0] == "nacked"]
out["nack_still_queued"] = [m[0] for m in drain(f"/queue/oracle.nack.{tag}")]

p.send(f"SEND\ndestination:/queue/oracle.drop.{tag}\npersistent:true\nreceipt:2\n\nabandoned")
p.frame()
out["abandoned_to_dlq_after"] = None
for n in range(1, 11):
    c = Conn()
    c.send(f"SUBSCRIBE\nid:s\ndestination:/queue/oracle.drop.{tag}\nack:client-individual\n\n")
    f = c.frame()
    c.close()
    if not f or f[0] != "MESSAGE":
        out["abandoned_to_dlq_after"] = n - 1
        break
    time.sleep(0.2)
out["abandoned_in_dlq"] = [m for m in drain("/queue/ActiveMQ.DLQ") if m[0] == "abandoned"]
p.close()
print(json.dumps(out))
