package io.mooring.auth;

/** Who a token speaks for: its project and whether it is an admin (admins may act in any project). */
public record Principal(String projectId, boolean admin) {
}
