/**
 * Protocol fuzzing of ONE live gateway node ({@link io.kafkabridge.fuzz.FuzzNode}, deployed once per run with
 * {@link io.kafkabridge.testing.GatewayNode} on the shared real broker and shared by the protocols' test classes), one
 * test class per protocol so that a failure names its protocol: {@code SockJsFuzzTest}, {@code StompTcpFuzzTest},
 * {@code StompWebSocketFuzzTest}, {@code RawTcpFuzzTest}, {@code StompSockJsFuzzTest}.
 * <p>
 * <b>Inputs.</b> {@value FuzzSettings#DEFAULT_INPUTS_PER_KIND} per protocol by default ({@code -Dfuzz.inputsPerKind=N}),
 * generated from the fixed seed {@value FuzzSettings#SEED} ({@code new Random(SEED)} gives one seed per kind, input
 * {@code i} of a kind uses {@code new Random(kindSeed + i * 0x9E3779B97F4A7C15L)}, so "STOMP_TCP #1234" is reproducible):
 * <ol type="a">
 *   <li>{@code SOCKJS_WS} ({@link SockJsGen}): SockJS bridge JSON frames over the raw WebSocket endpoint
 *   {@code /eventbus/websocket}: every frame type, permitted / forbidden / huge / unicode / empty / null addresses,
 *   wrong field types, missing fields, deep nesting, huge headers, header floods, control characters and NULs in
 *   headers, the gateway's header names in other cases, non-JSON, truncated and mutated JSON, binary frames;</li>
 *   <li>{@code STOMP_TCP} ({@link StompGen}): STOMP frames over TCP: CONNECT variants and frames before CONNECT on fresh
 *   connections (8%), the rest after a valid CONNECT: unknown commands, missing headers, bad content-length, missing
 *   NUL, header escapes, huge headers / bodies, header floods, escapes and the gateway's header names in other cases,
 *   SUBSCRIBE / SEND to forbidden destinations, transactions, random and mutated bytes;</li>
 *   <li>{@code STOMP_WS}: the same generator over WebSocket {@code /stomp} (subprotocol {@code v12.stomp}), an input
 *   sometimes split over several WebSocket messages;</li>
 *   <li>raw TCP ({@link RawGen}): garbage on a fresh connection, half to the STOMP port ({@code RAW_STOMP_TCP}), half to
 *   the HTTP port ({@code RAW_HTTP_TCP}, garbage and HTTP-ish requests);</li>
 *   <li>{@code STOMP_SOCKJS}: the STOMP generator over SockJS's WebSocket transport
 *   ({@code /stomp/000/<session>/websocket}, {@link SockJsStompWire}), an input sometimes cut into several SockJS
 *   messages, those sometimes batched into one WebSocket message; SockJS carries text, so an input that is not UTF-8 is
 *   sent, and judged, as its text with U+FFFD for each malformed sequence ({@link SockJsStompWire#carry}).</li>
 * </ol>
 * A STOMP transport is a {@link StompWire}: another one is one more wire, one more {@link Kind} (at the end of the enum)
 * and one more test class running a {@link StompDriver} over it.
 * <p>
 * <b>Expectation</b> of every input, from a test-side oracle ({@link SockJsOracle}, {@link StompOracle} on the
 * reference parser {@link StompRef}, {@link RawGen}'s HTTP verdicts) that follows the documented protocols (README,
 * STOMP 1.2, the SockJS bridge frame format, HTTP/1.1), never from observed behaviour: {@code REJECT} (bad input: it
 * must get an error - SockJS {@code {"type":"err"}}, STOMP {@code ERROR}, HTTP status >= 400 - or the server must close
 * the connection), {@code ACCEPT} (valid: any answer is fine, errors included, but the connection must answer the next
 * frame, and a SockJS send with a {@code replyAddress} to the echo service must get its reply) or {@code ANY} (grey
 * zone: lenient parsing, incomplete frames; only counted).
 * <p>
 * <b>Outcome</b> of every input. Each is followed on its connection by a marker that always gets a correlated answer
 * (SockJS: {@code send} to {@code fuzz.echo} with a {@code replyAddress}, answered by a {@code rec}; STOMP: {@code SEND}
 * to {@code fuzz.echo} with a {@code receipt}; inputs with asynchronous effects get a second marker); what the
 * connection shows before that answer is the outcome: {@code ERR} (an error frame / status), {@code CLOSE} (closed
 * without one), {@code OK} (marker answered: a valid reply or no reply), {@code NOREPLY} (as OK, but the reply the input
 * asked for never came) or {@code TIMEOUT} (nothing within {@link FuzzSettings#REPLY_TIMEOUT_MS} ms,
 * {@value FuzzSettings#ANY_TIMEOUT_MS} ms for ANY inputs). At most {@value Pacing#ACTIVE_INPUTS} inputs are in progress
 * at once ({@link Pacing}) so that answers come in well under the timeout on 2 cores (the report prints the slowest
 * answered input); connections: at most one per worker.
 * <p>
 * <b>A protocol's test fails on</b> ({@link FuzzSession#fuzzAndAssert}): a REJECT input with outcome OK, NOREPLY or
 * TIMEOUT; an ACCEPT input with outcome TIMEOUT or NOREPLY; a fresh connection that cannot be opened; a harness error;
 * {@code /health} not answering 200 after the run, or its counts of SockJS and STOMP sessions, connections and event-bus
 * subscriptions ({@link HealthCheck#COUNTERS}) not back to their pre-fuzz values once the fuzz clients are gone; new
 * clients (STOMP over TCP, SockJS, STOMP over WebSocket) that cannot subscribe and receive a new record after the run; a
 * well-behaved client (STOMP over TCP and SockJS, subscribed before fuzzing) that does not receive every Kafka record
 * produced during the run (a batch of
 * {@value FuzzSettings#RECORDS_PER_BATCH} every {@value FuzzSettings#PRODUCE_EVERY_INPUTS} inputs) exactly once and in
 * offset order per partition, or that gets an error or is disconnected; the used heap after forced GCs above the
 * pre-fuzz baseline (of the run, and of the node's first run) + {@value FuzzSettings#HEAP_HEADROOM_MIB} MiB.
 * <p>
 * The node's log lines at INFO and above are counted and kept off the console while fuzzing ({@link LogCounter}), then
 * summarised after the {@link Report}.
 */
package io.kafkabridge.fuzz;
