package org.consort.evm.statetest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.consort.evm.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateTestRunnerTest {

    private static StateTestRunner.Options options(String fork, String run) {
        return new StateTestRunner.Options(Optional.ofNullable(fork), Optional.ofNullable(run).map(Pattern::compile), 1);
    }

    @Test
    void malformedFilesAndCasesFailAloneAndTheRunContinues(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a_notjson.json"), "this is not JSON");
        Files.writeString(dir.resolve("b_nopost.json"), "{\"t\": {\"env\": {}}}");
        Files.writeString(dir.resolve("c_badcase.json"),
                "{\"t\": {\"env\": {}, \"pre\": {}, \"transaction\": {}, \"post\": {\"Cancun\": [{\"indexes\": {}}]}}}");
        Path good = Fixtures.root().resolve("GeneralStateTests/stExample/add11.json");
        Files.copy(good, dir.resolve("d_good.json"));

        List<String> lines = new ArrayList<>();
        int code = StateTestRunner.execute(List.of(dir), options(null, null), false, lines::add);

        assertThat(code).isEqualTo(1);
        assertThat(lines).anyMatch(l -> l.contains("a_notjson.json") && l.contains("malformed fixture"));
        assertThat(lines).anyMatch(l -> l.contains("b_nopost.json") && l.contains("no post section"));
        assertThat(lines).anyMatch(l -> l.contains("c_badcase.json") && l.contains("malformed fixture"));
        assertThat(lines.get(lines.size() - 1)).matches("\\d+ passed, 3 failed(, \\d+ skipped)?");
        assertThat(lines.get(lines.size() - 1)).doesNotStartWith("0 passed");
    }

    @Test
    void jsonModePrintsOneObjectPerCaseAndFiltersApply() throws IOException {
        Path file = Fixtures.root().resolve("GeneralStateTests/stExample/add11.json");
        List<String> lines = new ArrayList<>();
        int code = StateTestRunner.execute(List.of(file), options("Cancun", "add11"), true, lines::add);

        assertThat(code).isZero();
        List<String> objects = lines.subList(0, lines.size() - 1);
        assertThat(objects).isNotEmpty().allMatch(l -> l.startsWith("{\"name\":\"add11\",")
                && l.contains("\"pass\":true") && l.contains("\"fork\":\"Cancun\"") && l.contains("\"stateRoot\":\"0x"));
        assertThat(lines.get(lines.size() - 1)).isEqualTo(objects.size() + " passed, 0 failed");
    }

    @Test
    void olderForksAreCountedAsSkipped() throws IOException {
        Path file = Fixtures.root().resolve("GeneralStateTests/stExample/accessListExample.json");
        List<String> lines = new ArrayList<>();
        StateTestRunner.execute(List.of(file), options(null, null), false, lines::add);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).matches("\\d+ passed, 0 failed, \\d+ skipped");
    }
}
