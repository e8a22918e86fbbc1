package io.kafkabridge.fuzz;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/** STOMP over TCP: a blocking socket read by the worker thread that owns it. */
final class TcpWire implements StompWire {
    final Socket socket;
    final StompReader reader = new StompReader();
    final byte[] buf = new byte[16 * 1024];
    boolean eof;

    private TcpWire(Socket socket) {
        this.socket = socket;
    }

    static TcpWire open(int port) {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            return new TcpWire(socket);
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to close
            }
            return null;
        }
    }

    @Override
    public void send(byte[] data, int splits, boolean preferBinary) throws IOException {
        OutputStream out = socket.getOutputStream();
        int chunk = Math.max(1, data.length / splits + 1);
        for (int off = 0; off < data.length; off += chunk) {
            out.write(data, off, Math.min(chunk, data.length - off));
            out.flush();
        }
    }

    @Override
    public Object poll(long deadlineNanos) {
        while (true) {
            ServerFrame f = reader.next();
            if (f != null) {
                return f;
            }
            if (eof) {
                return CLOSED;
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (left <= 0) {
                return null;
            }
            try {
                socket.setSoTimeout((int) Math.max(1, left));
                int n = socket.getInputStream().read(buf);
                if (n < 0) {
                    eof = true;
                } else {
                    reader.feed(Arrays.copyOf(buf, n));
                }
            } catch (SocketTimeoutException e) {
                // loop: the deadline decides
            } catch (IOException e) {
                eof = true;
            }
        }
    }

    @Override
    public boolean isClosed() {
        return eof || socket.isClosed();
    }

    @Override
    public void halfCloseIfUseful(boolean useful) {
        if (useful) {
            try {
                socket.shutdownOutput();
            } catch (IOException ignored) {
                // closed already
            }
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closed already
        }
    }
}
