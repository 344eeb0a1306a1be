/**
 * JUnit 5 support: {@link org.bastion.junit.BastionExtension} runs an embedded Bastion server for a test class or
 * for each test. Needs {@code junit-jupiter-api} on the test class path (an optional dependency of bastion-server).
 */
package org.bastion.junit;
