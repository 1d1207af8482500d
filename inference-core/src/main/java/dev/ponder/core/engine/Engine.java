package dev.ponder.core.engine;

import dev.ponder.core.chat.ChatMessage;
import dev.ponder.core.chat.ChatTemplate;
import dev.ponder.core.constrain.AnswerGrammar;
import dev.ponder.core.constrain.ConstraintException;
import dev.ponder.core.kv.KvCacheManager;
import dev.ponder.core.model.ForwardBatch;
import dev.ponder.core.model.KvCache;
import dev.ponder.core.model.Qwen2Model;
import dev.ponder.core.reasoning.ReasoningTracker;
import dev.ponder.core.sampling.Sampler;
import dev.ponder.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The continuous-batching engine: the only API the service uses. {@link #submit} returns at once with
 * a future; one scheduler thread runs steps in which every running sequence decodes one token and
 * waiting prompts are prefilled in chunks under a per-step token budget, all in one forward pass.
 * Requests are admitted while the KV cache has room, reuse cached prefix blocks, and are preempted
 * (and later recomputed) when blocks run out.
 *
 * <p>This class is the API, the thread and the statistics. What each step computes is the {@link Scheduler}'s
 * decision (a {@link StepPlan}); each sequence's KV blocks are the {@link KvCacheManager}'s; what a step's
 * logits turn into (tokens, finish reasons, results) is the {@link OutputProcessor}'s.
 *
 * <p>Result futures are completed on the scheduler thread: callbacks attached to them should be short.
 */
public final class Engine implements Generator, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

    private final Qwen2Model model;
    private final boolean ownsModel;
    private final Tokenizer tokenizer;
    private final PromptEncoder prompts;
    private final EngineConfig config;
    private final KvCache kv;
    private final KvCacheManager blocks;
    private final Scheduler scheduler;
    private final OutputProcessor outputs;
    private final AnswerGrammars grammars;
    private final int vocab;
    private final int thinkOpenId;
    private final int thinkCloseId;

    private final ConcurrentLinkedQueue<Sequence> incoming = new ConcurrentLinkedQueue<>();
    private final ConcurrentHashMap<String, Sequence> inFlight = new ConcurrentHashMap<>();
    /** Requests submitted and not yet answered: what {@link EngineConfig#maxQueued()} bounds. */
    private final AtomicInteger inFlightCount = new AtomicInteger();
    private final ReentrantLock capacityLock = new ReentrantLock();
    private final Condition capacityFreed = capacityLock.newCondition();
    private final Thread thread;
    private volatile boolean accepting = true;
    private volatile boolean handBack;
    private volatile boolean stopped;
    private final List<GenerationRequest> handedBack = new ArrayList<>();
    private final ForwardBatch batch;

    // statistics, written by the scheduler thread
    private volatile long steps;
    private volatile long stepNanos;
    private volatile int lastStepTokens;
    private volatile int lastStepSequences;
    private volatile long prefillTokens;
    private volatile long decodeTokens;
    private volatile long completed;
    private volatile long preemptions;
    private volatile double prefixCacheHitRate;
    private volatile int waitingCount;
    private volatile int runningCount;

    public Engine(Qwen2Model model, Tokenizer tokenizer, ChatTemplate template, EngineConfig config) {
        this(model, false, tokenizer, template, config);
    }

    private Engine(Qwen2Model model, boolean ownsModel, Tokenizer tokenizer, ChatTemplate template, EngineConfig config) {
        this.model = model;
        this.ownsModel = ownsModel;
        this.tokenizer = tokenizer;
        this.prompts = new PromptEncoder(template, tokenizer);
        this.config = config;
        long bytesPerBlock = config.kvBlockSize() * KvCache.bytesPerToken(model.config(), config.kvPrecision());
        int blockCount = (int) Math.max(1, Math.min(Integer.MAX_VALUE / 2, config.kvBudgetBytes() / bytesPerBlock));
        blockCount = Math.min(blockCount, (1 << 20) - 1);
        this.kv = model.newKvCache(config.kvBlockSize(), blockCount, config.kvPrecision());
        LOG.info(String.format(Locale.ROOT, "KV cache: %.2f GiB reserved off the heap (%s), %d blocks of %d tokens: %,d tokens"
                        + " of %d KiB each", kv.bytes() / (double) (1L << 30), config.kvPrecision(), blockCount,
                config.kvBlockSize(), (long) blockCount * config.kvBlockSize(), kv.bytesPerToken() / 1024));
        this.blocks = new KvCacheManager(config.kvBlockSize(), blockCount);
        this.scheduler = new Scheduler(blocks, config.maxRunning(), config.maxStepTokens());
        this.vocab = model.config().vocabSize();
        this.thinkOpenId = tokenizer.findTokenId("<think>").orElse(-1);
        this.thinkCloseId = tokenizer.findTokenId("</think>").orElse(-1);
        int[] endOfTurnIds = OutputProcessor.endOfTurnIds(tokenizer);
        this.grammars = new AnswerGrammars(tokenizer, endOfTurnIds);
        this.outputs = new OutputProcessor(vocab, model.config().contextLength(), endOfTurnIds, thinkOpenId,
                thinkCloseId, new RepetitionGuard(config.repetitionWindow(), config.repetitionMinTokens()));
        this.batch = new ForwardBatch(config.maxStepTokens());
        this.thread = Thread.ofPlatform().name("ponder-scheduler").daemon().unstarted(this::loop);
        this.thread.start();
    }

    /** Opens a GGUF model and starts an engine that owns it (closing the engine closes the model). */
    public static Engine open(Path modelPath, EngineConfig config) throws IOException {
        return open(modelPath, config, null);
    }

    /**
     * Like {@link #open(Path, EngineConfig)}, rendering prompts with the Jinja template in {@code chatTemplate}
     * instead of the model file's own; null: the file's.
     */
    public static Engine open(Path modelPath, EngineConfig config, Path chatTemplate) throws IOException {
        String templateText = chatTemplate == null ? null : java.nio.file.Files.readString(chatTemplate);
        Qwen2Model model = Qwen2Model.open(modelPath, config.threads());
        try {
            Tokenizer tokenizer = Tokenizer.fromGguf(model.file().metadata());
            ChatTemplate template = templateText == null ? ChatTemplate.fromGguf(model.file())
                    : ChatTemplate.fromGguf(model.file(), templateText, "chat template " + chatTemplate);
            return new Engine(model, true, tokenizer, template, config);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Qwen2Model model() {
        return model;
    }

    public EngineConfig config() {
        return config;
    }

    /** KV blocks of {@link EngineConfig#kvBlockSize()} tokens that the budget gave. */
    public int kvBlocks() {
        return blocks.capacity();
    }

    /**
     * Queues a request and returns at once. The future always completes: with the result, or with a
     * result whose finish reason is INVALID (bad request, e.g. a prompt longer than the context, or a response format
     * that cannot be compiled: its error names why), DEADLINE,
     * CANCELLED or ERROR and a message saying why.
     */
    @Override
    public CompletableFuture<GenerationResult> submit(GenerationRequest request) {
        CompletableFuture<GenerationResult> future = new CompletableFuture<>();
        if (!accepting) {
            future.complete(GenerationResult.failed(request.id(), FinishReason.CANCELLED, "the engine is shutting down", 0));
            return future;
        }
        String problem = validate(request);
        if (problem != null) {
            future.complete(GenerationResult.failed(request.id(), FinishReason.INVALID, problem, 0));
            return future;
        }
        PromptEncoder.EncodedPrompt prompt;
        try {
            prompt = prompts.encode(request.messages(), request.listedTools());
        } catch (RuntimeException e) {
            future.complete(GenerationResult.failed(request.id(), FinishReason.INVALID,
                    "the prompt could not be rendered: " + e.getMessage(), 0));
            return future;
        }
        int context = model.config().contextLength();
        if (prompt.ids().length + 1 > context) {
            future.complete(GenerationResult.failed(request.id(), FinishReason.INVALID, "the prompt is " + prompt.ids().length
                    + " tokens; the model's context is " + context + " tokens (prompt plus output)", prompt.ids().length));
            return future;
        }
        long neededBlocks = blocks.blocksFor(prompt.ids().length + 1);
        if (neededBlocks > blocks.capacity()) {
            future.complete(GenerationResult.failed(request.id(), FinishReason.INVALID, "the prompt is " + prompt.ids().length
                    + " tokens, more than the whole KV cache holds (" + (long) blocks.capacity() * config.kvBlockSize()
                    + " tokens); raise the KV budget", prompt.ids().length));
            return future;
        }
        if (request.deadline() != null && !Instant.now().isBefore(request.deadline())) {
            future.complete(GenerationResult.failed(request.id(), FinishReason.DEADLINE, "the deadline " + request.deadline()
                    + " passed before the request started", prompt.ids().length));
            return future;
        }
        Sampler sampler;
        try {
            sampler = new Sampler(request.sampling());
        } catch (IllegalArgumentException e) {
            future.complete(GenerationResult.failed(request.id(), FinishReason.INVALID, e.getMessage(), prompt.ids().length));
            return future;
        }
        AnswerGrammar grammar = null;
        if (request.responseFormat() != null) {
            try {
                grammar = grammars.grammarFor(request.responseFormat());
            } catch (ConstraintException e) {
                future.complete(GenerationResult.failed(request.id(), FinishReason.INVALID,
                        "response_format: " + e.getMessage(), prompt.ids().length));
                return future;
            }
        }
        ReasoningTracker tracker = new ReasoningTracker(thinkOpenId, thinkCloseId, prompt.opensThinking());
        SampleGroup group = request.samples() > 1 ? new SampleGroup(request, future) : null;
        Sequence seq = new Sequence(request, prompt.ids(), prompt.opensThinking(), sampler, tracker,
                tokenizer.streamingDecoder(), future, grammar, group, 0);
        if (inFlight.putIfAbsent(request.id(), seq) != null) {
            future.complete(GenerationResult.failed(request.id(), FinishReason.INVALID,
                    "a request with id '" + request.id() + "' is already in flight", prompt.ids().length));
            return future;
        }
        inFlightCount.incrementAndGet();
        incoming.add(seq);
        LockSupport.unpark(thread);
        return future;
    }

    private String validate(GenerationRequest request) {
        if (request.messages().isEmpty()) {
            return "the request has no messages and no prompt";
        }
        boolean anyContent = false;
        for (ChatMessage m : request.messages()) {
            anyContent |= !m.content().isBlank() && !m.role().equals("system");
        }
        if (!anyContent) {
            return "the prompt is empty";
        }
        if (request.maxTokens() <= 0) {
            return "max_tokens must be positive, not " + request.maxTokens();
        }
        if (request.maxReasoningTokens() < 0) {
            return "max_reasoning_tokens must be 0 (no budget) or positive, not " + request.maxReasoningTokens();
        }
        if (request.samples() < 1 || request.samples() > GenerationRequest.MAX_SAMPLES) {
            return "n (samples) must be 1 to " + GenerationRequest.MAX_SAMPLES + ", not " + request.samples();
        }
        if (request.samples() > config.maxRunning()) {
            return "n = " + request.samples() + " samples is more than this engine runs at once (max running "
                    + config.maxRunning() + ")";
        }
        if (thinkCloseId < 0 && request.maxReasoningTokens() > 0) {
            return "this model's vocabulary has no </think> token, so a reasoning budget cannot be applied";
        }
        return null;
    }

    /** Asks the engine to stop a request; its future completes with CANCELLED. Returns false if it is not in flight. */
    @Override
    public boolean cancel(String requestId) {
        Sequence seq = inFlight.get(requestId);
        if (seq == null) {
            return false;
        }
        seq.cancelled = true;
        if (seq.group != null) {
            seq.group.cancel();
        }
        LockSupport.unpark(thread);
        return true;
    }

    /** How many more requests may be submitted now without exceeding {@link EngineConfig#maxQueued()}. */
    @Override
    public int capacity() {
        return Math.max(0, config.maxQueued() - inFlightCount.get());
    }

    /** Waits until {@link #capacity()} is positive or the timeout passes; returns whether there is capacity. */
    public boolean awaitCapacity(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        capacityLock.lock();
        try {
            while (capacity() == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                capacityFreed.awaitNanos(left);
            }
            return true;
        } finally {
            capacityLock.unlock();
        }
    }

    public EngineStats stats() {
        return new EngineStats(runningCount, waitingCount, inFlightCount.get(), capacity(), blocks.capacity(), blocks.used(),
                blocks.cachedBlocks(), kv.bytesPerToken(), prefixCacheHitRate, steps, stepNanos, lastStepTokens,
                lastStepSequences, prefillTokens, decodeTokens, completed, preemptions);
    }

    // ---------------------------------------------------------------- the engine's thread

    private void loop() {
        while (true) {
            for (Sequence seq; (seq = incoming.poll()) != null; ) {
                scheduler.add(seq);
            }
            if (handBack) {
                handBackAll();
                break;
            }
            if (!accepting && inFlightCount.get() == 0) {
                break;
            }
            StepPlan plan;
            try {
                plan = scheduler.schedule(Instant.now());
            } catch (RuntimeException | Error e) {
                failAll("engine scheduling failed", e);
                continue;
            }
            for (StepPlan.Stopped s : plan.stopped()) {
                finish(s.sequence(), s.reason(), s.error());
            }
            publishCounts();
            if (!plan.hasWork()) {
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(20));
                continue;
            }
            try {
                step(plan);
            } catch (RuntimeException | Error e) {
                failAll("engine step failed", e);
            }
        }
        stopped = true;
    }

    private void failAll(String what, Throwable e) {
        List<Sequence> running = scheduler.running();
        LOG.error("{}; failing its {} running requests", what, running.size(), e);
        for (Sequence seq : running) {
            finish(seq, FinishReason.ERROR, "the engine failed: " + e);
        }
    }

    /** Runs the planned step: one forward pass, then a token (and perhaps a finish) for each sampled sequence. */
    private void step(StepPlan plan) {
        long start = System.nanoTime();
        plan.fill(batch);
        List<Sequence> sampled = plan.sampled();
        float[] logits = model.forward(batch, kv);
        scheduler.onComputed(plan);
        for (int row = 0; row < sampled.size(); row++) {
            Sequence seq = sampled.get(row);
            if (seq.group != null && !seq.group.forked()) {
                fork(seq, logits, row * vocab);
            }
            FinishReason reason = outputs.onLogits(seq, logits, row * vocab);
            if (reason != null) {
                finish(seq, reason, null);
            }
        }
        steps++;
        stepNanos += System.nanoTime() - start;
        lastStepTokens = batch.size();
        lastStepSequences = plan.work().size();
        prefillTokens += plan.prefillTokens();
        decodeTokens += sampled.size();
        publishCounts();
    }

    /**
     * Starts the other chains of a request of several samples, when its prompt is computed and its first token is
     * due: each shares the prompt's KV (full blocks shared, the last one copied) and draws its first token from a
     * copy of the same logits with its own sampler. A chain that finds no block for its copy waits at the head of
     * the queue instead and computes the rest of the prompt after its shared blocks; batch invariance makes its
     * logits the same.
     */
    private void fork(Sequence root, float[] logits, int offset) {
        SampleGroup group = root.group;
        group.markForked();
        for (int i = 1; i < group.size(); i++) {
            Sequence chain = newChain(root, i);
            if (!blocks.fork(root.blocks, chain.blocks, root.computed, kv::copyBlock)) {
                scheduler.addFork(chain, false);
                continue;
            }
            chain.computed = root.computed;
            scheduler.addFork(chain, true);
            float[] row = Arrays.copyOfRange(logits, offset, offset + vocab);
            FinishReason reason = outputs.onLogits(chain, row, 0);
            if (reason != null) {
                finish(chain, reason, null);
            }
        }
    }

    private Sequence newChain(Sequence root, int index) {
        GenerationRequest request = root.request;
        Sequence chain = new Sequence(request, Arrays.copyOf(root.tokens, root.promptLength), root.promptOpensThinking,
                new Sampler(request.sampling().withSeed(request.sampleSeed(index))),
                new ReasoningTracker(thinkOpenId, thinkCloseId, root.promptOpensThinking), tokenizer.streamingDecoder(),
                root.future, root.grammar, root.group, index);
        chain.cachedPromptTokens = root.cachedPromptTokens; // the prefix cache's statistics count a request once
        chain.admittedNanos = root.admittedNanos;
        return chain;
    }

    private void publishCounts() {
        runningCount = scheduler.runningCount();
        waitingCount = scheduler.waitingCount();
        preemptions = scheduler.preemptions();
        prefixCacheHitRate = scheduler.prefixCacheHitRate();
    }

    private void finish(Sequence seq, FinishReason reason, String error) {
        scheduler.remove(seq);
        complete(seq, outputs.result(seq, reason, error));
    }

    private void complete(Sequence seq, GenerationResult result) {
        SampleGroup group = seq.group;
        if (group != null && group.forked()) {
            if (!group.record(seq.sampleIndex, result)) {
                return; // other chains of the request still run
            }
            result = group.combined();
        }
        inFlight.computeIfPresent(seq.id(), (id, held) -> held == seq || group != null && held.group == group ? null : held);
        inFlightCount.decrementAndGet();
        completed++;
        publishCounts();
        capacityLock.lock();
        try {
            capacityFreed.signalAll();
        } finally {
            capacityLock.unlock();
        }
        try {
            seq.future.complete(result);
        } catch (RuntimeException e) {
            LOG.warn("a result callback for request {} failed", seq.id(), e);
        }
    }

    private void handBackAll() {
        for (Sequence seq : scheduler.all()) {
            if (seq.group == null || handedBack.stream().noneMatch(r -> r == seq.group.request)) {
                handedBack.add(seq.request); // a request of several samples once, whichever of its chains remain
            }
            finish(seq, FinishReason.CANCELLED, "handed back: the engine shut down before the request finished");
        }
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Stops taking requests, lets those in flight finish for up to {@code grace}, then hands back the rest:
     * their futures complete with CANCELLED and they are returned, so the caller can resume them elsewhere.
     */
    public List<GenerationRequest> shutdown(Duration grace) {
        accepting = false;
        long deadline = System.nanoTime() + grace.toNanos();
        while (inFlightCount.get() > 0 && System.nanoTime() < deadline && thread.isAlive()) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        handBack = true;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        grammars.close();
        if (!thread.isAlive()) {
            kv.close(); // else (interrupted while joining) the collector frees it once the thread has let go
        }
        if (ownsModel) {
            model.close();
        }
        return List.copyOf(handedBack);
    }

    /** Shuts down, handing back whatever has not finished at once. */
    @Override
    public void close() {
        if (!stopped) {
            shutdown(Duration.ZERO);
        }
    }
}
