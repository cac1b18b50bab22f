package io.mooring.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

import io.mooring.api.Api.Tenant;
import io.mooring.testing.PostgresTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Spec §1.2, §2 and acceptance checks 1–6. */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, scope = TestResourceScope.GLOBAL)
class VersionDiscoveryTest {

    private Tenant tenant;

    @BeforeEach
    void newTenant() {
        tenant = Tenant.fresh();
    }

    @Test
    void rootIsMultipleChoicesAndV3IsOk() { // check 1
        for (String path : new String[] {"/", "/v3/"}) {
            given().get(path).then()
                    .statusCode(path.equals("/") ? 300 : 200)
                    .body("versions[0].id", equalTo("v3.0"))
                    .body("versions[0].status", equalTo("CURRENT"))
                    .body("versions[0].min_version", equalTo("3.0"))
                    .body("versions[0].version", equalTo("3.70"))
                    .body("versions[0].links.find { it.rel == 'self' }.href", endsWith("/v3/"))
                    .body("versions[0].'media-types'[0].type", equalTo("application/vnd.openstack.volume+json;version=3"));
        }
    }

    @Test
    void everyVersionedResponseEchoesTheVersion() { // check 2
        tenant.at(null).get(tenant.url("/volumes")).then().statusCode(200)
                .header("OpenStack-API-Version", "volume 3.0")
                .header("Vary", "OpenStack-API-Version")
                .header("x-compute-request-id", containsString("req-"))
                .header("x-openstack-request-id", containsString("req-"));
        tenant.at("3.44").get(tenant.url("/volumes/" + java.util.UUID.randomUUID())).then().statusCode(404)
                .header("OpenStack-API-Version", "volume 3.44")
                .header("Vary", "OpenStack-API-Version");
    }

    @Test
    void unsupportedVersionIs406NamingTheRange() { // check 3
        for (String version : new String[] {"3.99", "4.0"}) {
            tenant.at(version).get(tenant.url("/volumes")).then().statusCode(406)
                    .header("OpenStack-API-Version", "volume " + version)
                    .header("Vary", "OpenStack-API-Version")
                    .body("computeFault.code", equalTo(406))
                    .body("computeFault.message", equalTo("Version " + version + " is not supported by the API. Minimum is 3.0 and maximum is 3.70."));
        }
        // the legacy v1/v2 versions: Cinder sends no version headers with their 406
        for (String version : new String[] {"2.0", "1.0", "2.1"}) {
            tenant.at(version).get(tenant.url("/volumes")).then().statusCode(406)
                    .header("OpenStack-API-Version", nullValue())
                    .header("Vary", nullValue())
                    .body("computeFault.message", equalTo("Version " + version + " is not supported by the API. Minimum is 3.0 and maximum is 3.70."));
        }
    }

    @Test
    void versionDocumentsCarryTheVersionHeaders() {
        for (String path : new String[] {"/", "/v3/"}) {
            given().get(path).then().statusCode(path.equals("/") ? 300 : 200)
                    .header("OpenStack-API-Version", "volume 3.0")
                    .header("Vary", "OpenStack-API-Version")
                    .header("x-openstack-request-id", containsString("req-"));
            given().header("OpenStack-API-Version", "volume 3.44").get(path).then().statusCode(path.equals("/") ? 300 : 200)
                    .header("OpenStack-API-Version", "volume 3.44")
                    .header("Vary", "OpenStack-API-Version");
            given().header("OpenStack-API-Version", "volume latest").get(path).then()
                    .header("OpenStack-API-Version", "volume 3.70");
        }
    }

    @Test
    void versionDocumentsRefuseAnUnsupportedOrMalformedVersion() {
        for (String path : new String[] {"/", "/v3/"}) {
            given().header("OpenStack-API-Version", "volume 3.999").get(path).then().statusCode(406)
                    .header("OpenStack-API-Version", "volume 3.999")
                    .header("Vary", "OpenStack-API-Version")
                    .body("computeFault.code", equalTo(406))
                    .body("computeFault.message", equalTo("Version 3.999 is not supported by the API. Minimum is 3.0 and maximum is 3.70."))
                    .body("versions", nullValue());
            given().header("OpenStack-API-Version", "volume 3.x").get(path).then().statusCode(400)
                    .header("OpenStack-API-Version", nullValue())
                    .body("badRequest.code", equalTo(400))
                    .body("badRequest.message", equalTo("API Version String 3.x is of invalid format. Must be of format MajorNum.MinorNum."));
            given().header("OpenStack-API-Version", "volume 2.0").get(path).then().statusCode(406)
                    .header("OpenStack-API-Version", nullValue())
                    .header("Vary", nullValue());
        }
    }

    @Test
    void versionLinksIgnoreTheHostHeaders() {
        for (String path : new String[] {"/", "/v3/"}) {
            given().header("Host", "attacker.example:1234").header("X-Forwarded-Host", "forwarded.example").get(path).then()
                    .body("versions[0].links.find { it.rel == 'self' }.href", equalTo("http://127.0.0.1:" + RestAssured.port + "/v3/"));
        }
    }

    @Test
    void malformedVersionIs400WithoutVersionHeader() { // check 4
        for (String version : new String[] {"3.x", "3.027", "03.1", "3", "3.1.1", ""}) {
            tenant.at(version).get(tenant.url("/volumes")).then().statusCode(400)
                    .header("OpenStack-API-Version", nullValue())
                    .body("badRequest.message", equalTo("API Version String " + version + " is of invalid format. Must be of format MajorNum.MinorNum."));
        }
        given().header("X-Auth-Token", tenant.token()).header("OpenStack-API-Version", "compute 3.27")
                .get(tenant.url("/attachments")).then().statusCode(400)
                .body("badRequest.message", equalTo("The server could not comply with the request since it is either malformed or otherwise incorrect."));
    }

    @Test
    void attachmentsAppearAt327() { // check 5
        tenant.at(null).get(tenant.url("/attachments")).then().statusCode(404)
                .body("itemNotFound.code", equalTo(404))
                .body("itemNotFound.message", equalTo("The resource could not be found."));
        tenant.at("3.26").get(tenant.url("/attachments")).then().statusCode(404).body("itemNotFound.code", equalTo(404));
        tenant.at("3.27").get(tenant.url("/attachments")).then().statusCode(200).body("attachments", equalTo(java.util.List.of()));
        // the project-less form (3.67 documents it; Cinder routes it at every version)
        tenant.at("3.27").get("/v3/attachments").then().statusCode(200);
    }

    @Test
    void latestIsTheAdvertisedMaximum() { // check 6
        given().header("X-Auth-Token", tenant.token()).header("OpenStack-API-Version", "volume latest")
                .get(tenant.url("/volumes")).then().statusCode(200).header("OpenStack-API-Version", "volume 3.70");
        // a header list: the element naming the volume service counts
        given().header("X-Auth-Token", tenant.token()).header("OpenStack-API-Version", "compute 2.1, volume 3.44")
                .get(tenant.url("/volumes")).then().statusCode(200).header("OpenStack-API-Version", "volume 3.44");
    }

    @Test
    void versionDocumentsNeedNoToken() {
        given().get("/v3/").then().statusCode(200).body("versions.version", hasItem("3.70"));
        given().get(tenant.url("/volumes")).then().statusCode(401)
                .body("unauthorized.code", equalTo(401))
                .body("unauthorized.message", allOf(containsString("requires authentication")));
    }
}
