package dev.ponder.schemas.testing;

import org.testcontainers.DockerClientFactory;

/** Whether a Docker engine answers, for tests that need Testcontainers. */
public final class Docker {
    private static Boolean available;

    private Docker() {
    }

    /**
     * True when Testcontainers finds a working Docker engine. A {@code docker} CLI without an
     * engine, a missing socket, or any failure of the probe counts as absent.
     */
    public static synchronized boolean available() {
        if (available == null) {
            boolean answer;
            try {
                answer = DockerClientFactory.instance().isDockerAvailable();
            } catch (Throwable e) {
                answer = false;
            }
            available = answer;
        }
        return available;
    }
}
