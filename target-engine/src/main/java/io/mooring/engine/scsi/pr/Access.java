package io.mooring.engine.scsi.pr;

/** How a command touches the logical unit, which decides whether a reservation held elsewhere blocks it. */
public enum Access {
    /** INQUIRY, REPORT LUNS, REQUEST SENSE, REPORT SUPPORTED OPERATION CODES: never blocked. */
    ANY,
    /** TEST UNIT READY, READ CAPACITY: blocked only by an SPC-2 reservation. */
    STATUS,
    /** PERSISTENT RESERVE IN/OUT: blocked only by an SPC-2 reservation; the PR rules decide the rest. */
    PERSISTENT,
    /** RESERVE/RELEASE (6/10): blocked while any persistent registration exists; the SPC-2 rules decide the rest. */
    LEGACY,
    /** Reads the medium or its state (READ, VERIFY, MODE SENSE, GET LBA STATUS). */
    READ,
    /** Changes the medium or its state (WRITE, UNMAP, SYNCHRONIZE CACHE, MODE SELECT, ...). */
    WRITE
}
