// SYNTAX TEST "Packages/dscope/D.sublime-syntax"

BEGIN
// <- meta.probe.dtrace constant.language.probe.dtrace
{
// <- punctuation.section.block.begin.dtrace
}
// <- punctuation.section.block.end.dtrace

END { exit(0); }
// <- constant.language.probe.dtrace
//  ^ meta.block.dtrace punctuation.section.block.begin.dtrace

ERROR { trace(arg5); }
// <- constant.language.probe.dtrace

syscall::read:entry
// <- support.type.provider.dtrace
//     ^^ punctuation.separator.probe.dtrace
//       ^^^^ entity.name.function.probe.dtrace
//           ^ punctuation.separator.probe.dtrace
//            ^^^^^ entity.name.function.probe.dtrace
{
}

syscall::read*:entry, syscall::?rite:return
//           ^ keyword.operator.wildcard.dtrace
//                  ^ punctuation.separator.probe-list.dtrace
//                             ^ keyword.operator.wildcard.dtrace
{
}

fbt:[a-z]fs::entry
//  ^^^^^ keyword.operator.wildcard.dtrace
{
}

proc:::exec-success
// <- support.type.provider.dtrace
//     ^^^^^^^^^^^^ entity.name.function.probe.dtrace
{
}

tick-1s
// <- support.type.provider.dtrace
//  ^ punctuation.separator.rate.dtrace
//   ^^ constant.numeric.rate.dtrace
{
}

profile-997
// <- support.type.provider.dtrace
//      ^^^ constant.numeric.rate.dtrace
{
}

profile:::tick-10ms
// <- support.type.provider.dtrace
//        ^^^^ support.type.provider.dtrace
//             ^^^^ constant.numeric.rate.dtrace
{
}

pid$target::malloc:entry
// <- support.type.provider.dtrace
// ^^^^^^^ variable.language.macro.dtrace
//          ^^^^^^ entity.name.function.probe.dtrace
{
}

syscall:::entry
/pid == $target && arg0 / 2 > 1/
// <- meta.predicate.dtrace punctuation.section.predicate.begin.dtrace
// ^ variable.language.builtin.dtrace
//      ^^^^^^^ variable.language.macro.dtrace
//                      ^ keyword.operator.arithmetic.dtrace
//                             ^ punctuation.section.predicate.end.dtrace
{
// <- meta.block.dtrace punctuation.section.block.begin.dtrace
        @[probefunc] = count();
//      ^ meta.block.dtrace variable.other.aggregation.dtrace
}

syscall::open*:entry /execname == "sshd"/ { printf("%s\n", copyinstr(arg0)); }
//                   ^ punctuation.section.predicate.begin.dtrace
//                                ^^^^^^ string.quoted.double.dtrace
//                                      ^ punctuation.section.predicate.end.dtrace
//                                        ^ punctuation.section.block.begin.dtrace
//                                          ^^^^^^ support.function.action.dtrace
//                                                                           ^ punctuation.section.block.end.dtrace

/* a comment between clauses */ BEGIN
// <- comment.block.dtrace
//                              ^^^^^ constant.language.probe.dtrace
{
}
