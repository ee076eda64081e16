package io.inertia.serving;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LearnerMetricsTest {

    @Test
    void shouldExportTheFirstModelsUpToItsCapAndCountEveryEvent() {
        try (LearnerMetrics metrics = new LearnerMetrics(2)) {
            metrics.learned("a", 1, 0.5, 0.5);
            metrics.learned("b", 1, 0.25, 0.25);
            metrics.learned("c", 1, 0.125, 0.125);
            metrics.learned("a", 2, 0.5, 0.375);
            String text = metrics.scrape();
            assertTrue(text.contains("inertia_model_version{model=\"a\"} 2.0"), text);
            assertTrue(text.contains("inertia_model_running_loss{model=\"a\"} 0.375"), text);
            assertTrue(text.contains("inertia_model_version{model=\"b\"} 1.0"), text);
            assertFalse(text.contains("model=\"c\""), "beyond the cap of 2");
            assertTrue(text.contains("inertia_models{scope=\"seen\"} 3.0"), text);
            assertTrue(text.contains("inertia_models{scope=\"exported\"} 2.0"), text);
            assertTrue(text.contains("inertia_events_learned_total 4.0"), text);
        }
    }

    @Test
    void shouldExportTheHttpServersConnectionsAndThreadsAfterAGarbageCollection() {
        try (LearnerMetrics metrics = new LearnerMetrics(2)) {
            int[] open = {3};
            metrics.bindHttp(() -> open[0], () -> 8, () -> 1);
            // Only the registry holds the suppliers: a gauge that kept them weakly would read NaN after this.
            System.gc();
            open[0] = 5;
            String text = metrics.scrape();
            assertTrue(text.contains("inertia_http_connections 5.0"), text);
            assertTrue(text.contains("inertia_http_threads{state=\"all\"} 8.0"), text);
            assertTrue(text.contains("inertia_http_threads{state=\"busy\"} 1.0"), text);
        }
    }

    @Test
    void shouldCountDeadLettersByTheCategoryOfTheirReason() {
        try (LearnerMetrics metrics = new LearnerMetrics(10)) {
            metrics.rejected("record key 'a' differs from event modelKey 'b'");
            metrics.rejected("record key 'x' differs from event modelKey 'y'");
            metrics.rejected("label NaN is not a finite number");
            metrics.rejected("something no category describes");
            String text = metrics.scrape();
            assertTrue(text.contains("inertia_events_dead_lettered_total{reason=\"key-mismatch\"} 2.0"), text);
            assertTrue(text.contains("inertia_events_dead_lettered_total{reason=\"invalid-label\"} 1.0"), text);
            assertTrue(text.contains("inertia_events_dead_lettered_total{reason=\"other\"} 1.0"), text);
            assertTrue(text.contains("inertia_events_dead_lettered_total{reason=\"divergence\"} 0.0"), text);
        }
    }

    @Test
    void shouldRecordUpdateLatencyAsAHistogramAndSnapshotRecords() {
        try (LearnerMetrics metrics = new LearnerMetrics(10)) {
            metrics.updateTook(2_000);
            metrics.updateTook(3_000_000);
            metrics.published("a", 3);
            metrics.published("a", 1);
            String text = metrics.scrape();
            assertTrue(text.contains("inertia_update_latency_seconds_count 2"), text);
            // 2 µs + 3 ms
            assertTrue(text.contains("inertia_update_latency_seconds_sum 0.003002"), text);
            assertTrue(text.contains("inertia_update_latency_seconds_bucket{le=\"+Inf\"} 2"), text);
            assertTrue(text.contains("inertia_snapshots_published_total 2.0"), text);
            assertTrue(text.contains("inertia_snapshot_records_published_total 4.0"), text);
        }
    }
}
