// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests (check): parser, model, wire format and reference evaluator. */
#include <check.h>
#include <stdlib.h>

#include "unit.h"

int main(void)
{
	SRunner *sr = srunner_create(bf_parser_suite());
	int failed;

	srunner_add_suite(sr, bf_wire_suite());
	srunner_add_suite(sr, bf_model_suite());
	srunner_add_suite(sr, bf_eval_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
