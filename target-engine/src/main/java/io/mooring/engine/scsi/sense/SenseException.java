package io.mooring.engine.scsi.sense;

/**
 * Ends a command with CHECK CONDITION and the given sense. Thrown by command handlers on error paths only;
 * it carries no stack trace, so raising it costs no more than returning an error value.
 */
public final class SenseException extends RuntimeException {

    private final transient Sense sense;

    public SenseException(Sense sense) {
        super(null, null, false, false);
        this.sense = sense;
    }

    public Sense sense() {
        return sense;
    }

    @Override
    public String getMessage() {
        return String.format("sense %x/%02x/%02x", sense.key(), sense.asc(), sense.ascq());
    }
}
