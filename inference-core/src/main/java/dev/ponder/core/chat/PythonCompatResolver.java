package dev.ponder.core.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Placed before Jinjava's own resolver, it answers the two things Jinjava lacks for Hugging Face templates:
 * Python {@code str} methods called on strings, and the reversed view that {@link TemplateRewriter} substitutes for
 * {@code [::-1]}. Everything else falls through to Jinjava (it leaves the property unresolved).
 */
final class PythonCompatResolver extends ELResolver {
    private final ContentMarkers markers;

    PythonCompatResolver(ContentMarkers markers) {
        this.markers = markers;
    }

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String self) || !(method instanceof String name)
                || !PythonStringMethods.NAMES.contains(name)) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = PythonStringMethods.call(name, markers.decode(self),
                new PythonStringMethods.Args(args, markers::decode));
        context.setPropertyResolved(true);
        return encodeResult(result);
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        if (!TemplateRewriter.REVERSED_KEY.equals(property)) {
            return null;
        }
        Object reversed;
        if (base instanceof String text) {
            reversed = markers.encode(markers.decode(text).reversed());
        } else if (base instanceof Iterable<?> items) {
            List<Object> copy = new ArrayList<>();
            items.forEach(copy::add);
            Collections.reverse(copy);
            reversed = copy;
        } else {
            return null;
        }
        context.setPropertyResolved(true);
        return reversed;
    }

    private Object encodeResult(Object result) {
        if (result instanceof MarkedText marked) {
            return markers.encode(marked);
        }
        if (result instanceof List<?> parts) {
            List<Object> encoded = new ArrayList<>(parts.size());
            parts.forEach(part -> encoded.add(markers.encode((MarkedText) part)));
            return encoded;
        }
        return result;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // Never resolves a write: assignments go to Jinjava.
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
