package org.consort.node.http;

import java.security.KeyStore;
import java.net.Socket;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.security.cert.X509Certificate;
import org.consort.node.Limits;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The node's HTTPS listener: TLS 1.3 and 1.2 only, HTTP/1.1 and HTTP/2 (ALPN), the node
 * certificate as server identity, and client certificates requested but not required: any
 * certificate is accepted by TLS (the handshake still proves possession of its key) and each
 * endpoint's auth policy decides what it means. Its connections are bounded by a
 * {@link ConnectionGuard}: connectionsMax in all, connectionsPerIdentityMax per client certificate,
 * and firstRequestTimeoutMs for a connection to deliver its first request head.
 */
public final class HttpServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;
    private final ConnectionGuard guard;

    private HttpServer(Server server, ServerConnector connector, ConnectionGuard guard) {
        this.server = server;
        this.connector = connector;
        this.guard = guard;
    }

    public static HttpServer start(String host, int port, PrivateKey key, X509Certificate[] chain, Handler handler,
            Limits limits) throws Exception {
        return start(host, port, key, chain, server -> handler, limits);
    }

    /** As above, with the handler made for the server (handlers such as WebSocket upgrades need it). */
    public static HttpServer start(String host, int port, PrivateKey key, X509Certificate[] chain,
            java.util.function.Function<Server, Handler> handlerFor, Limits limits) throws Exception {
        // The job queue is bounded by connectionsMax x http2StreamsMax requests in progress.
        QueuedThreadPool pool = new QueuedThreadPool(limits.httpThreadsMax(), Math.min(8, limits.httpThreadsMax()));
        pool.setName("http");
        Server server = new Server(pool);

        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] password = "in-memory".toCharArray();
        ks.setKeyEntry("node", key, password, chain);

        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), new TrustManager[] {new AnyClientCertificate()}, new SecureRandom());
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setSslContext(context);
        ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        ssl.setExcludeCipherSuites("^.*_(MD5|SHA|SHA1)$", "^TLS_RSA_.*$", "^.*_CBC_.*$", "^.*_NULL_.*$", "^.*_anon_.*$");
        ssl.setWantClientAuth(true);
        ssl.setEndpointIdentificationAlgorithm(null);
        ssl.setSniRequired(false);

        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        config.setSendXPoweredBy(false);
        config.setRequestHeaderSize(limits.requestHeaderBytesMax());
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false);
        config.addCustomizer(secure);

        HttpConnectionFactory http11 = new HttpConnectionFactory(config);
        HTTP2ServerConnectionFactory http2 = new HTTP2ServerConnectionFactory(config);
        http2.setMaxConcurrentStreams(limits.http2StreamsMax());
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
        alpn.setDefaultProtocol(http11.getProtocol());
        ConnectionGuard guard = new ConnectionGuard(limits.connectionsMax(), limits.connectionsPerIdentityMax(),
                limits.firstRequestTimeoutMs());
        SslConnectionFactory tls = new SslConnectionFactory(ssl, alpn.getProtocol()) {
            @Override
            protected SslConnection newSslConnection(Connector connector, EndPoint endPoint, SSLEngine engine) {
                SslConnection connection = super.newSslConnection(connector, endPoint, engine);
                guard.opened(endPoint, connection, connector.getExecutor());
                return connection;
            }
        };

        ServerConnector connector = new ServerConnector(server, tls, alpn, http2, http11);
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(limits.idleTimeoutMs());
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        connector.addBean(guard); // told of every accept and close
        server.setHandler(new Handler.Wrapper(handlerFor.apply(server)) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                Object connection = guard.requestStarted(request);
                if (connection != null) {
                    Request.addCompletionListener(request, failure -> guard.requestEnded(connection, response.getStatus()));
                }
                return super.handle(request, response, callback);
            }
        });
        server.setStopTimeout(5_000);
        server.start();
        guard.start(server.getScheduler());
        return new HttpServer(server, connector, guard);
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** Client connections accepted and not closed. */
    public int openConnections() {
        return guard.openConnections();
    }

    /** Client connections that delivered no complete request head yet. */
    public int unservedConnections() {
        return guard.unservedConnections();
    }

    /** New connections closed at once at connectionsMax, every open one being busy or recently active. */
    public long refusedConnections() {
        return guard.refusedConnections();
    }

    /** Connections closed at connectionsMax to make room for a new one. */
    public long replacedConnections() {
        return guard.replacedConnections();
    }

    /** Connections closed because they sent no complete request head within firstRequestTimeoutMs. */
    public long expiredConnections() {
        return guard.expiredConnections();
    }

    /** TLS handshakes failed because their client certificate had connectionsPerIdentityMax connections open. */
    public long identityRefusedConnections() {
        return guard.identityRefusedConnections();
    }

    @Override
    public void close() throws Exception {
        guard.stop();
        server.stop();
    }

    /**
     * Accepts any client certificate chain at the TLS layer (the handshake still proves the
     * client holds the key); the endpoint's auth policy decides whether it is registered.
     * Never used to check servers.
     */
    private static final class AnyClientCertificate extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            requireChain(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            requireChain(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            requireChain(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("this trust manager only checks clients");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("this trust manager only checks clients");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("this trust manager only checks clients");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }

        private static void requireChain(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("empty client certificate chain");
            }
        }
    }
}
