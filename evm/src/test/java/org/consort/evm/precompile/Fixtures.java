package org.consort.evm.precompile;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.consort.common.Hex;

/** Reads transaction data and their labels from the official GeneralStateTests fixtures. */
final class Fixtures {
    /** One transaction data entry of a state test and the label the test's authors gave it. */
    record LabelledData(int index, String label, byte[] data) {
    }

    private Fixtures() {
    }

    static Path generalStateTests() {
        String root = System.getProperty("consort.ethereumTests");
        assumeTrue(root != null, "system property consort.ethereumTests is not set");
        Path dir = Path.of(root, "GeneralStateTests");
        assumeTrue(Files.isDirectory(dir), "no fixtures at " + dir);
        return dir;
    }

    static List<LabelledData> labelledData(String relativeFile) throws IOException {
        JsonNode root = new ObjectMapper().readTree(generalStateTests().resolve(relativeFile).toFile());
        JsonNode test = root.elements().next();
        JsonNode labels = test.path("_info").path("labels");
        JsonNode data = test.path("transaction").path("data");
        List<LabelledData> out = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            String label = labels.path(Integer.toString(i)).asText("");
            out.add(new LabelledData(i, label, Hex.decode(data.get(i).asText())));
        }
        return out;
    }
}
