package org.consort.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.net.ConnectException;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class LoadErrorsTest {
    @Test
    void answersAreClassifiedByStatusAndErrorCode() {
        assertEquals("http503:NoPrimary",
                LoadErrors.kindOf(503, "{\"error\":{\"code\":\"NoPrimary\",\"message\":\"election\"}}"));
        assertEquals("http409:TransactionConflict",
                LoadErrors.kindOf(409, "{\"error\":{\"code\":\"TransactionConflict\",\"message\":\"\"}}"));
        assertEquals("http502", LoadErrors.kindOf(502, "<html>bad gateway</html>"));
        assertEquals("http500", LoadErrors.kindOf(500, ""));
        assertEquals("http500", LoadErrors.kindOf(500, null));
    }

    @Test
    void exceptionsAreClassifiedByTheirCause() {
        assertEquals("connect:ConnectException",
                LoadErrors.kindOf(new ExecutionException(new ConnectException("Connection refused"))));
        assertEquals("timeout:TimeoutException", LoadErrors.kindOf(new TimeoutException("Total timeout 10000 ms elapsed")));
        assertEquals("timeout:TimeoutException",
                LoadErrors.kindOf(new ExecutionException(new RuntimeException(new TimeoutException("idle timeout")))));
        assertEquals("connect:EOFException", LoadErrors.kindOf(new ExecutionException(new EOFException("reset"))));
        assertEquals("connect:HttpResponseException", LoadErrors.kindOf(new ExecutionException(
                new org.eclipse.jetty.client.HttpResponseException("HTTP protocol violation", null))));
        assertEquals("exception:IllegalArgumentException", LoadErrors.kindOf(new IllegalArgumentException("bad TxID")));
    }

    @Test
    void onlyUnreachableOrNotPrimaryAnswersSuggestAMove() {
        assertTrue(LoadErrors.suggestsPrimaryMoved("connect:ConnectException"));
        assertTrue(LoadErrors.suggestsPrimaryMoved("timeout:TimeoutException"));
        assertTrue(LoadErrors.suggestsPrimaryMoved("http503:NotPrimary"));
        assertTrue(LoadErrors.suggestsPrimaryMoved("http503:NoPrimary"));
        assertTrue(LoadErrors.suggestsPrimaryMoved("http503:PrimaryUnreachable"));
        assertFalse(LoadErrors.suggestsPrimaryMoved("http503:Busy"));
        assertFalse(LoadErrors.suggestsPrimaryMoved("http409:TransactionConflict"));
        assertFalse(LoadErrors.suggestsPrimaryMoved("http500:InternalError"));
    }

    @Test
    void countsByKind() {
        LoadErrors errors = new LoadErrors();
        errors.count("http503:NoPrimary");
        errors.count("connect:ConnectException");
        errors.count("http503:NoPrimary");
        assertEquals(3, errors.total());
        assertEquals(Map.of("connect:ConnectException", 1L, "http503:NoPrimary", 2L), errors.byKind());
    }
}
