package io.mooring.export;

/** The volume could not be exported (or unexported); the attachment must not claim a connection. */
public class ExportException extends RuntimeException {

    public ExportException(String message) {
        super(message);
    }

    public ExportException(String message, Throwable cause) {
        super(message, cause);
    }
}
