package org.consort.node.apps;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.consort.ethereum.EthereumApp;
import org.consort.ethereum.rpc.RpcError;
import org.consort.ethereum.rpc.Subscriptions;
import org.consort.node.auth.AuthPolicy;
import org.consort.node.auth.Authenticator;
import org.consort.node.auth.Caller;
import org.consort.node.http.HttpError;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON-RPC over WebSocket on {@code wss://<node>/app/ethereum}: the same calls as over HTTPS
 * plus {@code eth_subscribe} ({@code newHeads}, {@code logs}) and {@code eth_unsubscribe}. The
 * upgrade is authenticated like the HTTP endpoint (a user's client certificate or bearer JWT); every other
 * request passes through to the API handler.
 */
public final class EthereumWebSocket {
    private static final Logger LOG = LoggerFactory.getLogger(EthereumWebSocket.class);
    /** A session without any frame for this long is closed (subscriptions may be quiet for a while). */
    public static final long IDLE_TIMEOUT_MS = 30 * 60_000L;

    private EthereumWebSocket() {
    }

    /** {@code api} behind a WebSocket upgrade of {@link EthereumEndpoints#PATH}. */
    public static Handler wrap(Server server, Handler api, EthereumApp app, Authenticator auth) {
        int messageBytesMax = app.config().limits().requestBodyBytesMax();
        int backlogMax = app.config().limits().sessionBacklogMessagesMax();
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxTextMessageSize(messageBytesMax);
            container.setMaxBinaryMessageSize(1024);
            container.setIdleTimeout(Duration.ofMillis(IDLE_TIMEOUT_MS));
            container.addMapping(EthereumEndpoints.PATH, (request, response, callback) -> {
                Object data = request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
                X509Certificate[] chain = data instanceof EndPoint.SslSessionData ssl ? ssl.peerCertificates() : null;
                Caller caller;
                try {
                    caller = auth.authenticate(AuthPolicy.USER_CERT_OR_JWT, chain,
                            request.getHeaders().get(HttpHeader.AUTHORIZATION));
                } catch (HttpError e) {
                    response.setStatus(e.status());
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                    String body = "{\"error\":{\"code\":\"" + e.code() + "\",\"message\":"
                            + org.consort.ethereum.JsonSupport.write(e.getMessage()) + "}}";
                    response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
                    return null;
                }
                return new Socket(app, caller.id(), backlogMax);
            });
        });
        ws.setHandler(api);
        return ws;
    }

    /** One WebSocket connection of a user. */
    public static final class Socket implements Session.Listener.AutoDemanding, Subscriptions.Sink {
        private final EthereumApp app;
        private final String userId;
        private final int backlogMax;
        private final AtomicInteger outstanding = new AtomicInteger();
        private volatile Session session;
        private volatile EthereumApp.RpcSession rpc;

        Socket(EthereumApp app, String userId, int backlogMax) {
            this.app = app;
            this.userId = userId;
            this.backlogMax = backlogMax;
        }

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
            try {
                rpc = app.openSession(userId, this);
            } catch (RpcError e) {
                s.close(1013, e.getMessage(), Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketText(String message) {
            EthereumApp.RpcSession r = rpc;
            if (r == null) {
                return;
            }
            byte[] out = r.onMessage(message.getBytes(StandardCharsets.UTF_8));
            if (out.length > 0) {
                send(new String(out, StandardCharsets.UTF_8));
            }
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            callback.succeed();
            session.close(1003, "JSON-RPC messages are text frames", Callback.NOOP);
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            closeRpc();
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            LOG.debug("WebSocket error", cause);
            closeRpc();
        }

        private void closeRpc() {
            EthereumApp.RpcSession r = rpc;
            rpc = null;
            if (r != null) {
                r.close();
            }
        }

        @Override
        public void send(String text) {
            Session s = session;
            if (s == null || !s.isOpen()) {
                return;
            }
            if (outstanding.incrementAndGet() > backlogMax) {
                outstanding.decrementAndGet();
                s.close(1008, "too many notifications not yet delivered: the client reads too slowly", Callback.NOOP);
                closeRpc();
                return;
            }
            s.sendText(text, Callback.from(outstanding::decrementAndGet, t -> outstanding.decrementAndGet()));
        }

        @Override
        public void close(String reason) {
            Session s = session;
            if (s != null) {
                s.close(1001, reason, Callback.NOOP);
            }
        }
    }
}
