package io.mooring.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.api.Api.Tenant;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * The error table: bad requests, each with the status, Cinder fault name and message it must get, and none a 500
 * (acceptance checks 11, 12, 13 and the "no input produces a 500").
 */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class ErrorTableTest {

    record Case(String method, String path, String version, String body, int status, String fault, String message) {
    }

    @Test
    void everyBadRequestGetsCindersAnswer() {
        Tenant t = Tenant.fresh();
        String volume = t.createVolume();
        String missing = UUID.randomUUID().toString();
        String attachments = t.url("/attachments");
        String volumes = t.url("/volumes");
        String attachment = t.reserveOk(t.createVolume(), null);
        String big = "{\"volume\": {\"size\": 1, \"description\": \"" + "x".repeat(120_000) + "\"}}";

        List<Case> table = List.of(
                // attachment create (checks 11, 12)
                new Case("POST", attachments, "3.27", "{\"attachment\": {", 400, "badRequest", "Malformed request body"),
                new Case("POST", attachments, "3.27", "", 400, "badRequest", "Malformed request body"),
                new Case("POST", attachments, "3.27", "{} []", 400, "badRequest", "Malformed request body"),
                new Case("POST", attachments, "3.27", "[]", 400, "badRequest", "[] is not of type 'object'"),
                new Case("POST", attachments, "3.27", "{}", 400, "badRequest", "'attachment' is a required property"),
                new Case("POST", attachments, "3.27", "{\"attachment\": {}, \"x\": 1}", 400, "badRequest",
                        "Additional properties are not allowed ('x' was unexpected)"),
                new Case("POST", attachments, "3.27", "{\"attachment\": []}", 400, "badRequest",
                        "Invalid input for field/attribute attachment. Value: []. [] is not of type 'object'"),
                new Case("POST", attachments, "3.27", "{\"attachment\": {}}", 400, "badRequest",
                        "Invalid input for field/attribute attachment. Value: {}. 'volume_uuid' is a required property"),
                new Case("POST", attachments, "3.27", "{\"attachment\": {\"volume_uuid\": \"not-a-uuid\"}}", 400, "badRequest",
                        "Invalid input for field/attribute volume_uuid. Value: not-a-uuid. 'not-a-uuid' is not a 'uuid'"),
                new Case("POST", attachments, "3.27", "{\"attachment\": {\"volume_uuid\": 42}}", 400, "badRequest",
                        "Invalid input for field/attribute volume_uuid. Value: 42. 42 is not of type 'string'"),
                new Case("POST", attachments, "3.27", "{\"attachment\": {\"volume_uuid\": \"" + volume + "\", \"instance_uuid\": \"x\"}}", 400,
                        "badRequest", "Invalid input for field/attribute instance_uuid. Value: x. 'x' is not a 'uuid'"),
                new Case("POST", attachments, "3.27", "{\"attachment\": {\"volume_uuid\": \"" + volume + "\", \"bogus\": 1}}", 400, "badRequest",
                        "Invalid input for field/attribute attachment. Value: {'volume_uuid': '" + volume
                                + "', 'bogus': 1}. Additional properties are not allowed ('bogus' was unexpected)"),
                new Case("POST", attachments, "3.27", "{\"attachment\": {\"volume_uuid\": \"" + volume + "\", \"mode\": \"rw\"}}", 400,
                        "badRequest", "Invalid input for field/attribute attachment. Value: {'volume_uuid': '" + volume
                                + "', 'mode': 'rw'}. Additional properties are not allowed ('mode' was unexpected)"),
                new Case("POST", attachments, "3.54", "{\"attachment\": {\"volume_uuid\": \"" + volume + "\", \"mode\": \"xx\"}}", 400,
                        "badRequest", "Invalid input for field/attribute mode. Value: xx. 'xx' is not one of ['rw', 'ro']"),
                new Case("POST", attachments, "3.27", "{\"attachment\": {\"volume_uuid\": \"" + volume + "\", \"connector\": \"iqn\"}}", 400,
                        "badRequest", "Invalid input for field/attribute connector. Value: iqn. 'iqn' is not of type 'object', 'null'"),
                new Case("POST", attachments, "3.27", "{\"attachment\": {\"volume_uuid\": \"" + volume + "\", \"connector\": {\"ip\": \"1.2.3.4\"}}}",
                        400, "badRequest", "Invalid input received: Connector doesn't have required information: initiator"),
                new Case("POST", attachments, "3.27", "{\"attachment\": {\"volume_uuid\": \"" + missing + "\"}}", 404, "itemNotFound",
                        "Volume " + missing + " could not be found."),
                new Case("POST", attachments, "3.26", "{\"attachment\": {\"volume_uuid\": \"" + volume + "\"}}", 404, "itemNotFound",
                        "The resource could not be found."),
                new Case("POST", attachments, "3.27", "{\"attachment\": {\"volume_uuid\": \"" + volume + "\"}" + " ".repeat(120_000) + "}", 413,
                        "overLimit", "Request is too large. Larger than max_request_body_size (114688)."),
                new Case("POST", attachments, "3.27", "[".repeat(5000) + "]".repeat(5000), 400, "badRequest", "Malformed request body"),
                new Case("POST", attachments, "3.27", "{\"attachment\": {\"volume_uuid\": \"" + volume + "\", \"connector\": {\"initiator\": \"i\", \"host\": \""
                        + "h".repeat(300) + "\"}}}", 400, "badRequest", "Invalid input received: Connector host is at most 255 characters long."),
                new Case("POST", attachments, "3.27", "{\"attachment\": {\"volume_uuid\": \"" + volume + "\", \"connector\": {\"initiator\": \"i\", \""
                        + "k".repeat(300) + "\": 1}}}", 400, "badRequest", "Invalid input received: Connector keys are at most 255 characters long."),
                // attachment update / action / show / delete
                new Case("PUT", attachments + "/" + attachment, "3.27", "{\"attachment\": {\"connector\": []}}", 400, "badRequest",
                        "Invalid input for field/attribute connector. Value: []. [] is not of type 'object'"),
                new Case("PUT", attachments + "/" + attachment, "3.27", "{\"attachment\": {\"connector\": {\"initiator\": \"i\"}, \"mode\": \"ro\"}}",
                        400, "badRequest", "Invalid input for field/attribute attachment. Value: {'connector': {'initiator': 'i'}, 'mode': 'ro'}. "
                        + "Additional properties are not allowed ('mode' was unexpected)"),
                new Case("PUT", attachments + "/not-a-uuid", "3.27", "{\"attachment\": {\"connector\": {\"initiator\": \"i\"}}}", 404,
                        "itemNotFound", "Volume attachment could not be found with filter: attachment_id = not-a-uuid."),
                new Case("POST", attachments + "/" + attachment + "/action", "3.44", "{\"os-complete\": {}, \"extra\": 1}", 400, "badRequest",
                        "Malformed request body"),
                new Case("POST", attachments + "/" + attachment + "/action", "3.44", "null", 400, "badRequest", "None is not of type 'object'"),
                new Case("POST", attachments + "/" + missing + "/action", "3.44", "{\"os-complete\": null}", 404, "itemNotFound",
                        "Volume attachment could not be found with filter: attachment_id = " + missing + "."),
                new Case("GET", attachments + "/" + missing, "3.27", null, 404, "itemNotFound",
                        "Volume attachment could not be found with filter: attachment_id = " + missing + "."),
                new Case("DELETE", attachments + "/%27%3B--", "3.27", null, 404, "itemNotFound",
                        "Volume attachment could not be found with filter: attachment_id = ';--."),
                new Case("GET", attachments + "?limit=99999999999999999999999", "3.27", null, 200, null, null),
                new Case("GET", attachments + "?offset=99999999999999999999999", "3.27", null, 400, "badRequest", "offset param must be an integer"),
                new Case("GET", attachments + "?sort=created_at:sideways", "3.27", null, 400, "badRequest", "Invalid input received: Invalid sort direction"),
                new Case("GET", attachments + "?marker=x", "3.27", null, 404, "itemNotFound",
                        "Volume attachment could not be found with filter: attachment_id = x."),
                new Case("PATCH", attachments + "/" + attachment, "3.27", "{}", 405, "badMethod", "The method specified is not allowed for this resource."),
                new Case("GET", t.url("/nothing-here"), "3.27", null, 404, "itemNotFound", "The resource could not be found."),
                // volumes
                new Case("POST", volumes, "3.70", "{\"volume\": {\"size\": -1}}", 400, "badRequest",
                        "Invalid input for field/attribute size. Value: -1. -1 is less than the minimum of 1"),
                new Case("POST", volumes, "3.70", "{\"volume\": {\"size\": 0}}", 400, "badRequest",
                        "Invalid input for field/attribute size. Value: 0. 0 is less than the minimum of 1"),
                new Case("POST", volumes, "3.70", "{\"volume\": {\"size\": \"-1\"}}", 400, "badRequest",
                        "Invalid input for field/attribute size. Value: -1. '-1' does not match '^[0-9]+$'"),
                new Case("POST", volumes, "3.70", "{\"volume\": {\"size\": 99999999999}}", 400, "badRequest",
                        "Invalid input for field/attribute size. Value: 99999999999. 99999999999 is greater than the maximum of 2147483647"),
                new Case("POST", volumes, "3.70", "{\"volume\": {\"size\": 1e400}}", 400, "badRequest",
                        "Invalid input for field/attribute size. Value: Infinity. Infinity is not of type 'integer', 'string', 'null'"),
                new Case("POST", volumes, "3.70", "{\"volume\": {\"size\": 100000}}", 400, "badRequest",
                        "Invalid input received: Volume size 100000 GiB is larger than the maximum of 16384 GiB."),
                new Case("POST", volumes, "3.70", "{\"volume\": {\"size\": 1.5}}", 400, "badRequest",
                        "Invalid input for field/attribute size. Value: 1.5. 1.5 is not of type 'integer', 'string', 'null'"),
                new Case("POST", volumes, "3.70", "{\"volume\": {}}", 400, "badRequest", "Invalid input received: Volume size must be specified for a new volume."),
                new Case("POST", volumes, "3.70", "{\"volume\": {\"size\": 1, \"multiattach\": true}}", 400, "badRequest",
                        "multiattach parameter has been removed. The default behavior is to use multiattach enabled volume types. Contact your "
                                + "administrator to create a multiattach enabled volume type and use it to create multiattach volumes."),
                new Case("POST", volumes, "3.70", "{\"volume\": {\"size\": 1, \"bogus\": 1}}", 400, "badRequest",
                        "Invalid input for field/attribute volume. Value: {'size': 1, 'bogus': 1}. Additional properties are not allowed ('bogus' was unexpected)"),
                new Case("POST", volumes, "3.70", "{\"volume\": {\"size\": 1, \"volume_type\": \"gold\"}}", 404, "itemNotFound",
                        "Volume type with name gold could not be found."),
                new Case("POST", volumes, "3.70", "{\"volume\": {\"size\": 1, \"metadata\": {\"k\": 1}}}", 400, "badRequest",
                        "Invalid input for field/attribute k. Value: 1. 1 is not of type 'string'"),
                new Case("POST", volumes, "3.70", "{\"volume\": {\"size\": 1, \"name\": 7}}", 400, "badRequest",
                        "Invalid input for field/attribute name. Value: 7. 7 is not of type 'string', 'null'"),
                new Case("POST", volumes, "3.70", "{\"volume\": {\"size\": 1, \"snapshot_id\": \"" + missing + "\"}}", 400, "badRequest",
                        "Invalid input received: Mooring creates empty volumes only: snapshot_id is not supported."),
                new Case("POST", volumes, "3.70", "{\"volume\": {\"size\": 1, \"availability_zone\": \"mars\"}}", 400, "badRequest",
                        "Availability zone 'mars' is invalid."),
                new Case("POST", volumes, "3.70", big, 413, "overLimit", "Request is too large. Larger than max_request_body_size (114688)."),
                new Case("POST", volumes, "3.70", "{\"volume\": {\"size\": 1, \"name\": \"a\\u0000b\"}}", 400, "badRequest",
                        "Invalid input received: Strings may not contain NUL characters."),
                new Case("POST", volumes, "3.70", "{\"volume\": {\"size\": 1, \"name\": \"\\ud800\"}}", 202, null, null),
                new Case("GET", volumes + "/" + missing, "3.70", null, 404, "itemNotFound", "Volume " + missing + " could not be found."),
                new Case("GET", volumes + "/12345", "3.70", null, 404, "itemNotFound", "Volume 12345 could not be found."),
                new Case("DELETE", volumes + "/" + missing, "3.70", null, 404, "itemNotFound", "Volume " + missing + " could not be found."),
                new Case("GET", volumes + "/detail?marker=" + missing, "3.70", null, 404, "itemNotFound", "Marker " + missing + " could not be found."),
                new Case("POST", volumes + "/" + volume + "/action", "3.70", "{\"os-migrate_volume\": {\"host\": \"h\"}}", 400, "badRequest",
                        "There is no such action: os-migrate_volume. Verify the request body and Content-Type header and try again."),
                new Case("GET", t.url("/types/" + missing), "3.70", null, 404, "itemNotFound", "Volume type " + missing + " could not be found."));

        SoftAssertions soft = new SoftAssertions();
        List<String> seen = new ArrayList<>();
        for (Case c : table) {
            var spec = given().header("X-Auth-Token", t.token()).header("OpenStack-API-Version", "volume " + c.version())
                    .header("Content-Type", "application/json");
            if (c.body() != null) {
                spec.body(c.body());
            }
            Response response = spec.request(c.method(), c.path());
            String label = c.method() + " " + c.path().replaceAll("(.{100}).*", "$1…") + " " + (c.body() == null ? "" : c.body().replaceAll("(.{120}).*", "$1…"));
            seen.add(label);
            soft.assertThat(response.statusCode()).as(label).isEqualTo(c.status());
            if (c.fault() != null) {
                soft.assertThat(response.jsonPath().<Object>get(c.fault() + ".code")).as(label + " → " + response.body().asString()).isEqualTo(c.status());
                soft.assertThat(response.jsonPath().getString(c.fault() + ".message")).as(label).isEqualTo(c.message());
                soft.assertThat(response.header("x-compute-request-id")).as(label).startsWith("req-");
                soft.assertThat(response.header("x-openstack-request-id")).as(label).startsWith("req-");
            }
        }
        soft.assertAll();
        assertThat(seen).hasSize(table.size());
        // none of these changed anything
        assertThat(t.volumeStatus(volume)).isEqualTo("available");
    }

    @Test
    void nulCharactersInQueriesAreRefusedNotPassedToTheDatabase() {
        Tenant t = Tenant.fresh();
        for (String query : new String[] {"/attachments?instance_id=%00", "/volumes/detail?name=a%00b"}) {
            given().urlEncodingEnabled(false).header("X-Auth-Token", t.token()).header("OpenStack-API-Version", "volume 3.70")
                    .get(t.url(query)).then().statusCode(400)
                    .body("badRequest.message", org.hamcrest.Matchers.equalTo("Invalid input received: Query parameters may not contain NUL characters."));
        }
    }

    @Test
    void malformedVersionAndAuthFailuresAreAlsoEnvelopes() {
        given().header("X-Auth-Token", "wrong").get("/v3/volumes").then().statusCode(401);
        Response response = given().header("X-Auth-Token", "x".repeat(10_000)).get("/v3/volumes");
        assertThat(response.statusCode()).isIn(401, 431);
    }
}
