package io.kafkabridge.fuzz;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.kafkabridge.fuzz.BridgeRules.STOMP_MAX_BODY;
import static io.kafkabridge.fuzz.BridgeRules.permittedInbound;
import static io.kafkabridge.fuzz.BridgeRules.permittedOutbound;

/**
 * Judges STOMP input as STOMP 1.2 and the README state it: parsed by {@link StompRef}, each frame checked against the
 * connection's state (connected, subscriptions, transactions) and the bridge rules.
 */
final class StompOracle {
    static final Set<String> CLIENT_COMMANDS = Set.of("CONNECT", "STOMP", "SEND", "SUBSCRIBE", "UNSUBSCRIBE", "BEGIN", "COMMIT",
        "ABORT", "ACK", "NACK", "DISCONNECT");

    static final class State {
        boolean connected;
        final Set<String> subscriptions = new HashSet<>();
        final Map<String, Boolean> transactions = new HashMap<>(); // id -> holds a non-permitted SEND

        State copy() {
            State s = new State();
            s.connected = connected;
            s.subscriptions.addAll(subscriptions);
            s.transactions.putAll(transactions);
            return s;
        }
    }

    static final class Judgement {
        Verdict verdict;
        byte[] completer = new byte[0];
        State before;
        State after;
        boolean endsConnection;
    }

    /**
     * @param complete whether an incomplete input is completed (the completion is part of the input as sent)
     */
    static Judgement judge(byte[] input, State state, boolean complete) {
        Judgement j = new Judgement();
        j.before = state;
        StompRef.Result rr = StompRef.parse(input, STOMP_MAX_BODY);
        for (int i = 0; i < 4 && complete && (rr.need != null || rr.padForFairness > 0); i++) {
            j.completer = Texts.concat(j.completer, rr.need != null ? rr.need
                : Texts.concat(Texts.encode(Texts.repeat('x', rr.padForFairness)), new byte[] {0}));
            rr = StompRef.parse(Texts.concat(input, j.completer), STOMP_MAX_BODY);
        }
        State s = state.copy();
        Expect expect = Expect.ACCEPT;
        String reason = null;
        boolean deferred = false;
        if (rr.leadingEols && !s.connected) {
            expect = Expect.ANY;
            reason = "EOLs before CONNECT";
        }
        for (StompRef.RFrame f : rr.frames) {
            Verdict v = judgeFrame(f, s);
            deferred |= v.deferred();
            if (v.expect() == Expect.REJECT) {
                expect = Expect.REJECT;
                reason = v.reason();
                break;
            }
            if (v.expect() == Expect.ANY && expect == Expect.ACCEPT) {
                expect = Expect.ANY;
                reason = v.reason();
            } else if (reason == null) {
                reason = v.reason();
            }
            if (f.command.equals("DISCONNECT")) {
                j.endsConnection = true;
                break;
            }
        }
        if (expect != Expect.REJECT && !j.endsConnection) {
            if (rr.error != null) {
                if (rr.padForFairness > 0) {
                    expect = Expect.ANY;
                    reason = rr.error + " (not enough octets sent for a server to notice)";
                } else {
                    expect = Expect.REJECT;
                    reason = rr.error;
                }
            } else if (rr.need != null) {
                expect = Expect.ANY;
                reason = "incomplete frame";
            } else if (rr.frames.isEmpty()) {
                expect = s.connected ? Expect.ACCEPT : Expect.ANY;
                reason = "heart-beat EOLs only";
            }
        }
        j.after = s;
        j.verdict = new Verdict(expect, reason, deferred);
        return j;
    }

    static Verdict judgeLeniently(StompRef.RFrame f, String reason) {
        return Verdict.of(f.lenient == null ? Expect.ACCEPT : Expect.ANY, f.lenient == null ? reason : f.lenient);
    }

    static Verdict judgeFrame(StompRef.RFrame f, State s) {
        String cmd = f.command;
        Map<String, String> h = f.first;
        if (!CLIENT_COMMANDS.contains(cmd)) {
            return Verdict.of(Expect.REJECT, "unknown command '" + Texts.clip(cmd, 20) + "'");
        }
        if (!cmd.equals("SEND") && f.body.length > 0) {
            return Verdict.of(Expect.REJECT, cmd + " with a body");
        }
        if (cmd.equals("CONNECT") || cmd.equals("STOMP")) {
            if (s.connected) {
                return Verdict.of(Expect.REJECT, "second " + cmd);
            }
            String accept = h.get("accept-version");
            List<String> versions = accept == null ? List.of("1.0") : Arrays.asList(accept.split(",", -1));
            if (versions.stream().noneMatch(v -> v.equals("1.0") || v.equals("1.1") || v.equals("1.2"))) {
                return Verdict.of(Expect.REJECT, "no supported accept-version");
            }
            String heartBeat = h.get("heart-beat");
            if (heartBeat != null && !heartBeat.matches("[0-9]{1,9},[0-9]{1,9}.*")) {
                return Verdict.of(Expect.REJECT, "malformed heart-beat '" + Texts.clip(heartBeat, 20) + "'");
            }
            s.connected = true;
            if (heartBeat != null && !heartBeat.matches("[0-9]{1,9},[0-9]{1,9}")) {
                return Verdict.of(Expect.ANY, "heart-beat with extra parts");
            }
            if (h.get("host") == null) {
                return Verdict.of(Expect.ANY, cmd + " without host header");
            }
            return judgeLeniently(f, "valid " + cmd);
        }
        if (!s.connected) {
            return Verdict.of(Expect.REJECT, cmd + " before CONNECT");
        }
        String tx = h.get("transaction");
        switch (cmd) {
            case "SEND": {
                String destination = h.get("destination");
                if (destination == null) {
                    return Verdict.of(Expect.REJECT, "SEND without destination");
                }
                boolean permitted = permittedInbound(destination, f.body);
                if (tx != null) {
                    if (!s.transactions.containsKey(tx)) {
                        return Verdict.of(Expect.REJECT, "SEND in an unknown transaction");
                    }
                    if (!permitted) {
                        s.transactions.put(tx, true);
                        return Verdict.of(Expect.ANY, "non-permitted SEND inside a transaction (refused at COMMIT)");
                    }
                    return judgeLeniently(f, "SEND inside a transaction");
                }
                return permitted ? judgeLeniently(f, "SEND to a permitted destination") : Verdict.of(Expect.REJECT, "SEND to a non-permitted destination");
            }
            case "SUBSCRIBE": {
                String destination = h.get("destination");
                String id = h.get("id");
                if (destination == null || id == null) {
                    return Verdict.of(Expect.REJECT, "SUBSCRIBE without destination or id");
                }
                if (s.subscriptions.contains(id)) {
                    return Verdict.of(Expect.REJECT, "SUBSCRIBE with an id in use");
                }
                if (!permittedOutbound(destination)) {
                    return Verdict.of(Expect.REJECT, "SUBSCRIBE to a non-permitted destination");
                }
                String sinceProblem = Since.findProblem(h.get("since"), h.get("snapshot"));
                if (sinceProblem != null && destination.length() <= 200) {
                    return Verdict.of(Expect.REJECT, "SUBSCRIBE with " + sinceProblem);
                }
                s.subscriptions.add(id);
                String ack = h.get("ack");
                if (ack != null && !Set.of("auto", "client", "client-individual").contains(ack)) {
                    return Verdict.of(Expect.ANY, "SUBSCRIBE with an unknown ack mode");
                }
                if (destination.length() > 200) {
                    return Verdict.of(Expect.ANY, "SUBSCRIBE to a very long permitted destination");
                }
                return judgeLeniently(f, "SUBSCRIBE to a permitted destination");
            }
            case "UNSUBSCRIBE": {
                String id = h.get("id");
                if (id == null || !s.subscriptions.remove(id)) {
                    return Verdict.of(Expect.REJECT, id == null ? "UNSUBSCRIBE without id" : "UNSUBSCRIBE of an unknown id");
                }
                return judgeLeniently(f, "UNSUBSCRIBE of a known id");
            }
            case "ACK":
            case "NACK":
                if (h.get("id") == null) {
                    return Verdict.of(Expect.REJECT, cmd + " without id");
                }
                if (tx != null && !s.transactions.containsKey(tx)) {
                    return Verdict.of(Expect.REJECT, cmd + " in an unknown transaction");
                }
                return Verdict.of(Expect.ANY, cmd + " of a message id never delivered");
            case "BEGIN":
                if (tx == null || s.transactions.containsKey(tx)) {
                    return Verdict.of(Expect.REJECT, tx == null ? "BEGIN without transaction" : "BEGIN of an open transaction");
                }
                s.transactions.put(tx, false);
                return judgeLeniently(f, "BEGIN");
            case "COMMIT":
            case "ABORT": {
                if (tx == null || !s.transactions.containsKey(tx)) {
                    return Verdict.of(Expect.REJECT, cmd + (tx == null ? " without transaction" : " of an unknown transaction"));
                }
                boolean tainted = s.transactions.remove(tx);
                if (cmd.equals("COMMIT") && tainted) {
                    return new Verdict(Expect.REJECT, "COMMIT of a transaction holding a non-permitted SEND", true);
                }
                Verdict v = judgeLeniently(f, cmd + " of an open transaction");
                return new Verdict(v.expect(), v.reason(), cmd.equals("COMMIT"));
            }
            case "DISCONNECT":
                return judgeLeniently(f, "DISCONNECT");
            default:
                throw new IllegalStateException(cmd);
        }
    }
}
