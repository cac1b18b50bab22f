package io.mooring.auth;

/** Who a token speaks for: its project, whether it is an admin (admins may act in any project), and its user. */
public record Principal(String projectId, boolean admin, String userId) {
}
