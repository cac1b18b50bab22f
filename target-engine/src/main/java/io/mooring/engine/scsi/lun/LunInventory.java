package io.mooring.engine.scsi.lun;

/** The LUNs currently mapped on the device a logical unit belongs to. */
@FunctionalInterface
public interface LunInventory {
    long[] mappedLuns();
}
