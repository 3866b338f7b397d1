# zoo/survival.gp: the fraction of zoo trials still undetected over time,
# one Kaplan-Meier step curve per engine (zoo/report.sh writes the data
# dir/km-<engine>.dat as "seconds fraction"; a miss is censored at the
# budget). Called with -e "outfile='...'; budget=N; dir='...'; engines='a b'".
set terminal pngcairo size 900,540 noenhanced
set output outfile
set title "Bug zoo: trials still undetected (Kaplan-Meier)"
set xlabel "seconds (log scale)"
set ylabel "fraction undetected"
set logscale x
set xrange [0.05:budget]
set yrange [0:1.05]
set key outside right
set grid
plot for [e in engines] dir.'/km-'.e.'.dat' using 1:2 with steps lw 2 title e
