package dev.ponder.app.cli;

import dev.ponder.app.config.ServiceConfig;
import dev.ponder.app.service.PonderService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the service: read jobs from the requests topic, write reasoning and answers.",
                "Settings: --config FILE (properties or YAML), then PONDER_* environment variables",
                "(PONDER_KAFKA_BOOTSTRAP_SERVERS sets kafka.bootstrap.servers), then --set KEY=VALUE.",
                "SIGTERM (or Ctrl-C) shuts down gracefully within shutdown.grace.ms."})
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Config file (.properties, .yaml or .yml).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one setting (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        ServiceConfig settings = ServiceConfig.load(config, overrides);
        PonderService service = PonderService.start(settings);
        Thread hook = Thread.ofPlatform().name("ponder-shutdown").unstarted(service::close);
        Runtime.getRuntime().addShutdownHook(hook);
        service.awaitStop(Duration.ofDays(365_000));
        if (service.failure() != null) {
            // Stopped on its own (a stream thread failed): shut down the rest, report, exit non-zero.
            Runtime.getRuntime().removeShutdownHook(hook);
            service.shutdown(Duration.ZERO);
            LOG.error("the service stopped after an error: {}", service.failure().toString());
            return 1;
        }
        return 0;
    }
}
