package org.bastion.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class InputBudgetTest {
    @Test
    void pastTheBudgetTheLargestHolderIsEvictedUntilItFits() {
        InputBudget budget = new InputBudget(100);
        AtomicBoolean a = new AtomicBoolean();
        AtomicBoolean b = new AtomicBoolean();
        AtomicBoolean c = new AtomicBoolean();
        InputBudget.Account small = budget.open(() -> a.set(true));
        InputBudget.Account large = budget.open(() -> b.set(true));
        InputBudget.Account middle = budget.open(() -> c.set(true));
        small.hold(20);
        large.hold(50);
        assertEquals(70, budget.held());
        middle.hold(40);
        assertTrue(b.get(), "the largest holder is evicted");
        assertFalse(a.get() || c.get(), "and only as many as needed");
        assertEquals(60, budget.held());
        assertEquals(1, budget.evictions());
        large.hold(90);
        assertEquals(60, budget.held(), "an evicted account counts no more");
        small.release();
        middle.hold(0);
        assertEquals(0, budget.held());
    }

    @Test
    void aHolderWhoseFigureDoesNotChangeCostsNothing() {
        InputBudget budget = new InputBudget(10);
        InputBudget.Account account = budget.open(() -> { });
        account.hold(0);
        account.hold(0);
        assertEquals(0, budget.held());
    }
}
