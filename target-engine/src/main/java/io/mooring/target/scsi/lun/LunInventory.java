package io.mooring.target.scsi.lun;

/** The LUNs currently mapped on the device a logical unit belongs to. */
@FunctionalInterface
public interface LunInventory {
    long[] mappedLuns();
}
