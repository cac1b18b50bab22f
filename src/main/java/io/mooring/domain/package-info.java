/**
 * Below the services: the domain's errors ({@link io.mooring.domain.DomainError}, a sealed hierarchy the API layer maps
 * to Cinder's faults) and small value helpers the services and the API share. Nothing here knows HTTP.
 */
package io.mooring.domain;
