package io.inertia.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP relay in front of a server that a test can cut and reopen: while cut, connections to its port are refused and
 * those open are closed, as when a server is unreachable, while the server behind it keeps its state. A registry that
 * restarts with in-memory storage would instead come back empty and answer 404 for ids it gave out before.
 */
final class TcpGate implements AutoCloseable {

    private final int targetPort;
    private final int port;
    private final List<Socket> open = new ArrayList<>();
    private ServerSocket server;

    private TcpGate(int targetPort, int port) {
        this.targetPort = targetPort;
        this.port = port;
    }

    /** Opens a gate on a free loopback port that relays to {@code targetPort} on the loopback address. */
    static TcpGate open(int targetPort) throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        TcpGate gate = new TcpGate(targetPort, port);
        gate.reopen();
        return gate;
    }

    int port() {
        return port;
    }

    /** Accepts connections again, on the same port. */
    synchronized void reopen() throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        server = socket;
        Thread acceptor = new Thread(() -> accept(socket), "tcp-gate-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Refuses new connections and closes the open ones. */
    synchronized void cut() throws IOException {
        server.close();
        for (Socket socket : open) {
            socket.close();
        }
        open.clear();
    }

    private void accept(ServerSocket socket) {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                synchronized (this) {
                    if (socket.isClosed()) {
                        client.close();
                        target.close();
                        return;
                    }
                    open.add(client);
                    open.add(target);
                }
                relay(client, target);
                relay(target, client);
            } catch (IOException closedOrRefused) {
                // The gate was cut, or the server behind it refused: the client sees its connection end.
            }
        }
    }

    private static void relay(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException closed) {
                // One side closed: close both so that the other side sees it too.
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }, "tcp-gate-relay");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public synchronized void close() throws IOException {
        cut();
    }
}
