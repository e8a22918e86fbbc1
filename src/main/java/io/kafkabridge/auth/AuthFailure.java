package io.kafkabridge.auth;

/**
 * A refused authentication, with the machine-readable code sent to the client ({@code err} body on SockJS,
 * {@code message} header of the STOMP ERROR frame).
 */
public final class AuthFailure extends RuntimeException {

    /** No credentials where the node requires them. */
    public static final String AUTH_REQUIRED = "auth_required";
    /** A token that is malformed, badly signed, or for another issuer or audience. */
    public static final String INVALID_TOKEN = "invalid_token";
    /** A token past its {@code exp}, at connection or later. */
    public static final String TOKEN_EXPIRED = "token_expired";
    /** A wrong login or passcode. */
    public static final String BAD_CREDENTIALS = "bad_credentials";
    /** A password login while that login or address waits after failed ones. */
    public static final String LOGIN_THROTTLED = "login_throttled";
    /** A password login while the node already checks as many as it allows at once. */
    public static final String AUTH_BUSY = "auth_busy";

    private final String code;

    public AuthFailure(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
