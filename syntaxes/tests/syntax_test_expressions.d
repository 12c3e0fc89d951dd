// SYNTAX TEST "Packages/dscope/D.sublime-syntax"

/* block
// <- comment.block.dtrace punctuation.definition.comment.begin.dtrace
   comment */
// ^^^^^^^ comment.block.dtrace
//         ^^ punctuation.definition.comment.end.dtrace
// line comment
// <- comment.line.double-slash.dtrace

BEGIN
{
        x = "tab\there \"quoted\" \101 \x41 \q";
//          ^ string.quoted.double.dtrace punctuation.definition.string.begin.dtrace
//              ^^ constant.character.escape.dtrace
//                     ^^ constant.character.escape.dtrace
//                                ^^^^ constant.character.escape.dtrace
//                                     ^^^^ constant.character.escape.dtrace
//                                          ^^ invalid.illegal.escape.dtrace
        printf("%-16s %5d %llu %%\n", execname, pid, timestamp);
//              ^^^^^ constant.other.placeholder.dtrace
//                    ^^^ constant.other.placeholder.dtrace
//                        ^^^^ constant.other.placeholder.dtrace
//                             ^^ constant.other.placeholder.dtrace
        c = 'a';
//          ^^^ string.quoted.single.dtrace
        n = 42 + 0x1F + 017 + 10ULL + 3.5 + 1e3 + 7u;
//          ^^ constant.numeric.integer.decimal.dtrace
//               ^^^^ constant.numeric.integer.hexadecimal.dtrace
//                      ^^^ constant.numeric.integer.octal.dtrace
//                            ^^^^^ constant.numeric.integer.decimal.dtrace
//                                    ^^^ constant.numeric.float.dtrace
//                                          ^^^ constant.numeric.float.dtrace
//                                                ^^ constant.numeric.integer.decimal.dtrace
        printa("%s %@d\n", @counts);
//                 ^^^ constant.other.placeholder.dtrace
//                         ^ punctuation.definition.aggregation.dtrace
//                          ^^^^^^ variable.other.aggregation.dtrace
}

syscall:::entry
{
        @counts[execname, probefunc] = count();
//      ^^^^^^^ variable.other.aggregation.dtrace
//              ^^^^^^^^ variable.language.builtin.dtrace
//                        ^^^^^^^^^ variable.language.builtin.dtrace
//                                     ^^^^^ support.function.aggregation.dtrace
        @s = sum(arg0); @a = avg(arg1); @mn = min(arg2); @mx = max(arg3);
//           ^^^ support.function.aggregation.dtrace
//                           ^^^ support.function.aggregation.dtrace
//                                            ^^^ support.function.aggregation.dtrace
//                                                             ^^^ support.function.aggregation.dtrace
        @sd = stddev(arg4); @q = quantize(arg5);
//            ^^^^^^ support.function.aggregation.dtrace
//                               ^^^^^^^^ support.function.aggregation.dtrace
        @l = lquantize(arg0, 0, 100, 10); @ll = llquantize(arg0, 10, 0, 6, 20);
//           ^^^^^^^^^ support.function.aggregation.dtrace
//                                              ^^^^^^^^^^ support.function.aggregation.dtrace
        self->ts = timestamp;
//      ^^^^ variable.language.self.dtrace
//          ^^ punctuation.accessor.arrow.dtrace
//            ^^ variable.other.thread-local.dtrace
//                 ^^^^^^^^^ variable.language.builtin.dtrace
        this->fd = args[0];
//      ^^^^ variable.language.this.dtrace
//            ^^ variable.other.clause-local.dtrace
//                 ^^^^ variable.language.builtin.dtrace
        t = walltimestamp + vtimestamp + tid + errno + arg9 + cpu;
//          ^^^^^^^^^^^^^ variable.language.builtin.dtrace
//                          ^^^^^^^^^^ variable.language.builtin.dtrace
//                                       ^^^ variable.language.builtin.dtrace
//                                             ^^^^^ variable.language.builtin.dtrace
//                                                     ^^^^ variable.language.builtin.dtrace
        p = curthread; q = curpsinfo->pr_psargs; u = uid;
//          ^^^^^^^^^ variable.language.builtin.dtrace
//                         ^^^^^^^^^ variable.language.builtin.dtrace
//                                  ^^ punctuation.accessor.dtrace
//                                    ^^^^^^^^^ variable.other.member.dtrace
        m = $1 + $$2 + $pid + $target;
//          ^^ variable.language.macro.dtrace
//               ^^^ variable.language.macro.dtrace
//                     ^^^^ variable.language.macro.dtrace
//                            ^^^^^^^ variable.language.macro.dtrace
        k = `max_ncpus;
//          ^ punctuation.accessor.backtick.dtrace
//           ^^^^^^^^^ variable.other.kernel.dtrace
        trace(x); stack(); ustack(20); exit(0); printa(@counts);
//      ^^^^^ support.function.action.dtrace
//                ^^^^^ support.function.action.dtrace
//                         ^^^^^^ support.function.action.dtrace
//                                     ^^^^ support.function.action.dtrace
//                                              ^^^^^^ support.function.action.dtrace
        s = strjoin(copyinstr(arg0), basename(cwd)); l = strlen(s);
//          ^^^^^^^ support.function.subroutine.dtrace
//                  ^^^^^^^^^ support.function.subroutine.dtrace
//                                   ^^^^^^^^ support.function.subroutine.dtrace
//                                                       ^^^^^^ support.function.subroutine.dtrace
        y = stringof(arg1); z = sizeof(int);
//          ^^^^^^^^ keyword.operator.word.dtrace
//                              ^^^^^^ keyword.operator.word.dtrace
//                                     ^^^ storage.type.dtrace
}

syscall::kill:entry
{
        system("echo %d", pid); raise(9); stop(); panic();
//      ^^^^^^ support.function.destructive.dtrace
//                              ^^^^^ support.function.destructive.dtrace
//                                        ^^^^ support.function.destructive.dtrace
//                                                ^^^^^ support.function.destructive.dtrace
        copyout(a, b, 4); copyoutstr(s, b, 4); chill(100); breakpoint();
//      ^^^^^^^ support.function.destructive.dtrace
//                        ^^^^^^^^^^ support.function.destructive.dtrace
//                                             ^^^^^ support.function.destructive.dtrace
//                                                         ^^^^^^^^^^ support.function.destructive.dtrace
        if (x > 0) { y = 1; } else { y = 2; }
//      ^^ keyword.control.conditional.dtrace
//                            ^^^^ keyword.control.conditional.dtrace
        z = (uint64_t)arg0; w = (string)arg1;
//           ^^^^^^^^ storage.type.dtrace
//                               ^^^^^^ storage.type.dtrace
        while (1) { }
//      ^^^^^ invalid.illegal.reserved.dtrace
        v = x ? NULL : y;
//            ^ keyword.operator.ternary.dtrace
//              ^^^^ constant.language.null.dtrace
        n += 1; n++; b = a && !c || d;
//        ^^ keyword.operator.assignment.augmented.dtrace
//               ^^ keyword.operator.increment.dtrace
//                         ^^ keyword.operator.logical.dtrace
}
