package org.consort.node.metrics;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.consort.node.http.ApiHandler;

/** The node's metrics, exposed in Prometheus text format at {@code /node/metrics}. Thread-safe. */
public final class NodeMetrics implements ApiHandler.RequestObserver {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @Override
    public void observe(String method, String path, int status, long nanos) {
        Timer.builder("consort.http.requests")
                .description("HTTP requests served, by endpoint and status")
                .tag("method", method).tag("path", path).tag("status", Integer.toString(status))
                .register(registry).record(Duration.ofNanos(nanos));
    }

    /** Registers a gauge read on each scrape. */
    public void gauge(String name, String description, LongSupplier value) {
        io.micrometer.core.instrument.Gauge.builder(name, () -> (double) value.getAsLong())
                .description(description).register(registry);
    }

    public String scrape() {
        return registry.scrape();
    }
}
