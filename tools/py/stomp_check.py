"""stomp.py (the Python STOMP client) against mq-lite: prints what it saw as JSON.

Usage: stomp_check.py HOST PORT PASSWORD
"""
import json
import sys
import time

import stomp

host, port, password = sys.argv[1], int(sys.argv[2]), sys.argv[3]


class Listener(stomp.ConnectionListener):
    def __init__(self):
        self.messages = []
        self.errors = []
        self.receipts = []

    def on_message(self, frame):
        self.messages.append({"body": frame.body, "headers": dict(frame.headers)})

    def on_error(self, frame):
        self.errors.append(frame.headers.get("message"))

    def on_receipt(self, frame):
        self.receipts.append(frame.headers.get("receipt-id"))


def wait_for(cond, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def connection(client_id=None):
    c = stomp.Connection12([(host, port)], heartbeats=(0, 0))
    listener = Listener()
    c.set_listener("", listener)
    headers = {"client-id": client_id} if client_id else {}
    c.connect("admin", password, wait=True, headers=headers)
    return c, listener


out = {}
c, l = connection()
# Queue with a selector and client-individual acks; a receipt for the send.
c.subscribe("/queue/py", id="1", ack="client-individual", headers={"selector": "kind = 'wanted'"})
c.send("/queue/py", "skip me", headers={"kind": "other", "persistent": "true"})
c.send("/queue/py", "hello", headers={"kind": "wanted", "persistent": "true"}, receipt="r1")
wait_for(lambda: l.messages and "r1" in l.receipts)
out["receipts"] = list(l.receipts)
out["queue"] = [m["body"] for m in l.messages]
out["headers"] = l.messages[0]["headers"] if l.messages else {}
if l.messages:
    c.ack(l.messages[0]["headers"]["ack"])
# A transaction: nothing is delivered before COMMIT.
c.subscribe("/queue/py-tx", id="2", ack="auto")
tx = c.begin()
c.send("/queue/py-tx", "in tx", transaction=tx)
time.sleep(0.3)
out["before_commit"] = [m["body"] for m in l.messages if m["body"] == "in tx"]
c.commit(tx)
wait_for(lambda: any(m["body"] == "in tx" for m in l.messages))
out["after_commit"] = [m["body"] for m in l.messages if m["body"] == "in tx"]
# A durable topic subscription keeps what comes while its client is away.
d, dl = connection("py-durable")
d.subscribe("/topic/py.news", id="d", headers={"activemq.subscriptionName": "daily"})
d.disconnect()
# stomp.py does not wait for DISCONNECT's receipt; the broker sends it once the subscription
# is offline, so a message sent after it waits for the subscription's next connection.
wait_for(lambda: not d.is_connected())
c.send("/topic/py.news", "while away", headers={"persistent": "true"}, receipt="r2")
wait_for(lambda: "r2" in l.receipts)
d, dl = connection("py-durable")
d.subscribe("/topic/py.news", id="d", headers={"activemq.subscriptionName": "daily"})
wait_for(lambda: dl.messages)
out["durable"] = [m["body"] for m in dl.messages]
d.disconnect()
c.disconnect()
# Wrong credentials.
try:
    bad = stomp.Connection12([(host, port)])
    bl = Listener()
    bad.set_listener("", bl)
    bad.connect("admin", "wrong", wait=True)
    out["bad_login"] = "connected"
except stomp.exception.ConnectFailedException:
    out["bad_login"] = "refused"
print(json.dumps(out))
