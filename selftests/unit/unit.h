/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef BF_UNIT_H
#define BF_UNIT_H

#include <check.h>

Suite *bf_parser_suite(void);
Suite *bf_wire_suite(void);
Suite *bf_model_suite(void);
Suite *bf_eval_suite(void);

#endif /* BF_UNIT_H */
