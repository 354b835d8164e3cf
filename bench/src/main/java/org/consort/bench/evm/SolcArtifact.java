package org.consort.bench.evm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.consort.common.Hex;

/**
 * A contract compiled by {@code bench/evm-bench.sh} (solc-js standard JSON output reduced to
 * {@code contract}, {@code compiler}, {@code creationBytecode} and {@code runtimeBytecode}).
 * Immutable; the byte arrays returned are copies, so it is thread-safe.
 *
 * @param contract the contract's name
 * @param compiler the compiler that produced it
 */
public record SolcArtifact(String contract, String compiler, byte[] creationBytecode, byte[] runtimeBytecode) {

    public SolcArtifact {
        creationBytecode = creationBytecode.clone();
        runtimeBytecode = runtimeBytecode.clone();
    }

    @Override
    public byte[] creationBytecode() {
        return creationBytecode.clone();
    }

    @Override
    public byte[] runtimeBytecode() {
        return runtimeBytecode.clone();
    }

    /**
     * Reads {@code dir/NAME.json}.
     *
     * @throws IllegalArgumentException when the file is missing or lacks a field, with a hint to run the script
     */
    public static SolcArtifact load(Path dir, String name) {
        Path file = dir.resolve(name + ".json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no compiled contract at " + file.toAbsolutePath()
                    + "; run bench/evm-bench.sh (it compiles bench/src/main/solidity) or pass -p artifactDir=DIR");
        }
        try {
            JsonNode json = new ObjectMapper().readTree(file.toFile());
            return new SolcArtifact(text(json, "contract", file), text(json, "compiler", file),
                    bytecode(json, "creationBytecode", file), bytecode(json, "runtimeBytecode", file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static String text(JsonNode json, String field, Path file) {
        JsonNode n = json.get(field);
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException(file + ": missing string field '" + field + "'");
        }
        return n.asText();
    }

    private static byte[] bytecode(JsonNode json, String field, Path file) {
        String hex = text(json, field, file);
        byte[] code = Hex.decode(hex.startsWith("0x") ? hex.substring(2) : hex);
        if (code.length == 0) {
            throw new IllegalArgumentException(file + ": empty " + field);
        }
        return code;
    }
}
