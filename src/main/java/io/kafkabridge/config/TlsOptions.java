package io.kafkabridge.config;

import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static io.kafkabridge.config.JsonFields.*;

/**
 * TLS for HTTPS/WSS and STOMP over TLS ({@code tls} section): a PEM private key and certificate chain. Present means
 * on: the HTTP server and the STOMP TCP listener then accept only TLS.
 */
public class TlsOptions {

    static final String SECTION = "tls";
    private static final Set<String> KEYS = Set.of("keyFile", "certFile");

    private String keyFile;
    private String certFile;

    public TlsOptions() {
    }

    public TlsOptions(JsonObject json) {
        this();
        requireKnownKeys(json, SECTION, KEYS);
        applySetting(SECTION, "keyFile", () -> setKeyFile(readString(json, "keyFile", SECTION, null)));
        applySetting(SECTION, "certFile", () -> setCertFile(readString(json, "certFile", SECTION, null)));
        if (keyFile == null) {
            throw new ConfigException(path(SECTION, "keyFile"), "missing: the PEM private key file");
        }
        if (certFile == null) {
            throw new ConfigException(path(SECTION, "certFile"), "missing: the PEM certificate (chain) file");
        }
    }

    public String getKeyFile() {
        return keyFile;
    }

    public TlsOptions setKeyFile(String keyFile) {
        this.keyFile = requireReadable(keyFile);
        return this;
    }

    public String getCertFile() {
        return certFile;
    }

    public TlsOptions setCertFile(String certFile) {
        this.certFile = requireReadable(certFile);
        return this;
    }

    private static String requireReadable(String file) {
        if (file != null && !Files.isReadable(Path.of(file))) {
            throw new IllegalArgumentException("cannot read file " + Path.of(file).toAbsolutePath());
        }
        return file;
    }

    public JsonObject toJson() {
        return new JsonObject().put("keyFile", keyFile).put("certFile", certFile);
    }
}
