package io.kafkabridge.fuzz;

import io.kafkabridge.kafka.EmbeddedKafka;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves a {@link FuzzNode} parameter: one node for every fuzz class of the run, deployed when the first asks for it
 * (on the broker of {@link io.kafkabridge.testing.KafkaBroker}, which the class must extend with too), kept in the root
 * store and undeployed when the run ends. Sharing it saves a node start per protocol, and spares each new node the
 * committed offsets and records of the one before.
 */
final class SharedFuzzNode implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedFuzzNode.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == FuzzNode.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(FuzzNode.class, key -> deploy(context), FuzzNode.class);
    }

    /** Deploys the node on the broker that the test's own extensions resolve (KafkaBroker's shared one). */
    private static FuzzNode deploy(ExtensionContext context) {
        try {
            return context.getExecutableInvoker().invoke(FuzzNode.class.getDeclaredConstructor(EmbeddedKafka.class));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }
}
